package auth_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/auth"
)

// phc is the PHC string format with the parameters Lodestar must use:
// OWASP's minimum for argon2id, a 16-byte salt and a 32-byte key.
var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$`)

func TestPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	const password = "correct horse battery staple"
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	if !phc.MatchString(hash) {
		t.Fatalf("got hash %q, want PHC argon2id with m=19456,t=2,p=1", hash)
	}
	if strings.Contains(hash, password) {
		t.Errorf("hash %q contains the password", hash)
	}
	m := phc.FindStringSubmatch(hash)
	if salt, _ := base64.RawStdEncoding.DecodeString(m[1]); len(salt) != 16 {
		t.Errorf("got %d-byte salt, want 16", len(salt))
	}
	if key, _ := base64.RawStdEncoding.DecodeString(m[2]); len(key) != 32 {
		t.Errorf("got %d-byte key, want 32", len(key))
	}

	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"right password", password, true},
		{"wrong password", "correct horse battery stapler", false},
		{"different case", strings.ToUpper(password), false},
		{"empty", "", false},
		{"prefix", password[:12], false},
		{"trailing space", password + " ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auth.CheckPassword(hash, tt.password)
			if err != nil {
				t.Fatalf("CheckPassword: %v", err)
			}
			if got != tt.want {
				t.Errorf("CheckPassword(hash, %q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}

	again, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if again == hash {
		t.Errorf("two hashes of one password are equal (%q); want different salts", hash)
	}
}

func TestPasswordUnicode(t *testing.T) {
	t.Parallel()
	const password = "密码很长很长很长很长很长很长 🔑"
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := auth.CheckPassword(hash, password); err != nil || !ok {
		t.Errorf("CheckPassword(unicode): got (%v, %v), want (true, nil)", ok, err)
	}
	if ok, err := auth.CheckPassword(hash, "密码很长很长很长很长很长很长"); err != nil || ok {
		t.Errorf("CheckPassword(unicode prefix): got (%v, %v), want (false, nil)", ok, err)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	t.Parallel()
	const (
		salt = "c29tZXNhbHRzb21lc2FsdA"                      // 16 bytes
		key  = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U" // 32 bytes
	)
	tests := []struct {
		name string
		hash string
	}{
		{"empty", ""},
		{"plain text", "correct horse battery staple"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"too few parts", "$argon2id$v=19$m=19456,t=2,p=1$" + salt},
		{"too many parts", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$x"},
		{"old version", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key + "$"},
		{"bad parameters", "$argon2id$v=19$m=lots,t=2,p=1$" + salt + "$" + key},
		{"threads overflow", "$argon2id$v=19$m=19456,t=2,p=300$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key},
		{"absurd memory", "$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key},
		{"memory past 256 MiB", "$argon2id$v=19$m=262145,t=2,p=1$" + salt + "$" + key},
		{"absurd time", "$argon2id$v=19$m=19456,t=4000000000,p=1$" + salt + "$" + key},
		{"bad salt", "$argon2id$v=19$m=19456,t=2,p=1$!!!$" + key},
		{"bad key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$!!!"},
		{"empty key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$"},
		{"short key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$a2V5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("CheckPassword(%q) panicked: %v", tt.hash, r)
				}
			}()
			ok, err := auth.CheckPassword(tt.hash, "correct horse battery staple")
			if err == nil || ok {
				t.Errorf("CheckPassword(%q) = (%v, %v), want (false, error)", tt.hash, ok, err)
			}
		})
	}
}

func TestHashSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := auth.HashSecret(tt.in); got != tt.want {
			t.Errorf("HashSecret(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	s := "lst_some-secret"
	if a, b := auth.HashSecret(s), auth.HashSecret(s); a != b {
		t.Errorf("HashSecret is not deterministic: got %q then %q", a, b)
	}
	if a, b := auth.HashSecret(s), auth.HashSecret(s+"x"); a == b {
		t.Errorf("HashSecret(%q) == HashSecret(%q) = %q; want different", s, s+"x", a)
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	for _, prefix := range []string{"", "lss_", "lst_"} {
		seen := map[string]bool{}
		for range 200 {
			s, err := auth.NewSecret(prefix)
			if err != nil {
				t.Fatalf("NewSecret(%q): %v", prefix, err)
			}
			if !strings.HasPrefix(s, prefix) {
				t.Fatalf("NewSecret(%q) = %q, want that prefix", prefix, s)
			}
			if body := strings.TrimPrefix(s, prefix); !urlSafe.MatchString(body) {
				t.Fatalf("NewSecret(%q) = %q, want prefix + 43 URL-safe characters (256 bits)", prefix, s)
			}
			if seen[s] {
				t.Fatalf("NewSecret(%q) repeated %q", prefix, s)
			}
			seen[s] = true
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 50 {
		p, err := auth.GeneratePassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(p) < auth.MinPasswordLength {
			t.Fatalf("GeneratePassword() = %q: got %d characters, want at least %d", p, len(p), auth.MinPasswordLength)
		}
		if seen[p] {
			t.Fatalf("GeneratePassword repeated %q", p)
		}
		seen[p] = true
	}
}

func TestEqualTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "abcd", false},
		{"", "", false}, // an empty token never matches
		{"", "abc", false},
		{"abc", "", false},
	}
	for _, tt := range tests {
		if got := auth.EqualTokens(tt.a, tt.b); got != tt.want {
			t.Errorf("EqualTokens(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestBurnTime(t *testing.T) {
	t.Parallel()
	auth.BurnTime("any password") // must not panic; the dummy hash must be valid
}
