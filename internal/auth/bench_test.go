package auth

import "testing"

// BenchmarkHashPassword measures one argon2id hash at the shipped
// parameters: the cost of a sign-in, and of an attacker's guess.
func BenchmarkHashPassword(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashSecret measures the per-request cost of resolving a token
// or session (one SHA-256).
func BenchmarkHashSecret(b *testing.B) {
	s, _ := NewSecret("lst_")
	for i := 0; i < b.N; i++ {
		_ = HashSecret(s)
	}
}
