package i18n_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

// zhTerms are the one Chinese word each English term takes in the
// catalogs, and the words it must not: a reader who sees 降级 on the
// switch and 回退 on the use case cannot tell they are the same state.
var zhTerms = []struct {
	term, word string
	not        []string
}{
	{"fallback", "降级", []string{"回退"}},
}

// TestZhTermsConsistent: every Chinese message writes each term the one
// way.
func TestZhTermsConsistent(t *testing.T) {
	zh := readCatalog(t, "zh-CN")
	keys := make([]string, 0, len(zh))
	for k := range zh {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, term := range zhTerms {
		for _, k := range keys {
			for _, bad := range term.not {
				if strings.Contains(zh[k], bad) {
					t.Errorf("%s: %q writes %s as %s; write %s", k, zh[k], term.term, bad, term.word)
				}
			}
		}
	}
}

// TestZhFullWidthColon: a Chinese message puts the full-width "：" after
// Chinese text, not an ASCII colon ("漂移: 1").
func TestZhFullWidthColon(t *testing.T) {
	asciiAfterHan := regexp.MustCompile(`[\p{Han}\x{3000}-\x{303f}\x{ff00}-\x{ffef}]:`)
	zh := readCatalog(t, "zh-CN")
	for k, v := range zh {
		if m := asciiAfterHan.FindString(v); m != "" {
			t.Errorf("%s: %q has %q; write \"：\"", k, v, m)
		}
	}
	if zh["punct.colon"] != "：" {
		t.Errorf("punct.colon: got %q, want \"：\"", zh["punct.colon"])
	}
}

// TestZhNotFoundOnePattern: every "… not found." (and "No such ….")
// reads "…不存在。" ("…不存在或已归档。") in Chinese, one pattern for every kind of record, not
// "未找到实验" beside "用例不存在".
func TestZhNotFoundOnePattern(t *testing.T) {
	en, zh := readCatalog(t, "en"), readCatalog(t, "zh-CN")
	notFound := regexp.MustCompile(`^(.+) not found\.$|^No such ([^,]+)\.$`)
	n := 0
	for k, v := range en {
		if !strings.HasPrefix(k, "msg.") || !notFound.MatchString(v) {
			continue
		}
		n++
		if !strings.Contains(zh[k], "不存在") || strings.Contains(zh[k], "未找到") || strings.Contains(zh[k], "没有这个") {
			t.Errorf("%s: %q reads %q in Chinese; want \"…不存在…\"", k, v, zh[k])
		}
	}
	if n < 15 {
		t.Errorf("found %d not-found messages; the scan has lost its way", n)
	}
}
