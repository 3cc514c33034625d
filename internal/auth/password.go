// Package auth holds Lodestar's credentials and access rules: argon2id
// password hashes, random secrets stored only as hashes, and the one
// role matrix every route is checked against.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Limits on the parameters CheckPassword accepts from a stored hash.
const (
	// KiB, i.e. 256 MiB: over ten times the 19 MiB Lodestar hashes with,
	// and at most a few such checks at once (argonSlots) stay within a
	// 32-bit process's memory, where 1 GiB each did not.
	maxArgonMemory = 256 * 1024
	maxArgonTime   = 100
	minArgonKeyLen = 16
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// argonSlots bounds how many argon2id computations run at once: each
// takes 19 MiB, and sign-in attempts, even for unknown addresses, must not
// be able to exhaust memory by arriving together.
var argonSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

func idKey(password, salt []byte, t, mem uint32, p uint8, keyLen uint32) []byte {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	return argon2.IDKey(password, salt, t, mem, p, keyLen)
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := idKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// CheckPassword reports whether password matches a hash made by
// HashPassword, reading the parameters from the hash so they can change.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("auth: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("auth: unsupported argon2 version")
	}
	var mem, t uint32
	var p uint8
	// argon2.IDKey panics on zero time, threads or key length; the upper
	// bounds keep a corrupt hash from exhausting memory or CPU.
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil ||
		t < 1 || t > maxArgonTime || p < 1 || mem > maxArgonMemory {
		return false, errors.New("auth: bad argon2 parameters")
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errors.New("auth: bad salt")
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < minArgonKeyLen {
		return false, errors.New("auth: bad key")
	}
	got := idKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash lets a login for an unknown e-mail cost as much as a real one,
// so response time does not reveal which addresses exist.
// It is made on first use, not at start: every command of the binary
// (lodestar drift, lodestar token …) would otherwise pay for an argon2id
// computation and its 19 MiB.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("lodestar-timing-equaliser")
	return h
})

// PrepareTiming makes the hash BurnTime checks against, if not made yet:
// a server calls it at start, so that the first sign-in for an unknown
// address costs no more than the others.
func PrepareTiming() { dummyHash() }

// BurnTime spends one password check's worth of work.
func BurnTime(password string) { _, _ = CheckPassword(dummyHash(), password) }

// NewSecret returns a random URL-safe secret with a recognisable prefix.
func NewSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashSecret is how sessions and tokens are stored: SHA-256 is enough for
// 256-bit random secrets, which cannot be guessed.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// GeneratePassword returns a random password for a first admin.
func GeneratePassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// EqualTokens compares two secrets in constant time.
func EqualTokens(a, b string) bool {
	return len(a) > 0 && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
