// Package didyoumean suggests the closest known name for a misspelled one,
// for the "did you mean" hints in rule-file, test-file and answers errors.
package didyoumean

import (
	"math"
	"strings"
)

// Suggest returns the candidate closest to s by edit distance, if it is
// close enough to be a plausible typo, or one that s is a prefix of ("bool"
// for "boolean"); otherwise "".
func Suggest(s string, candidates []string) string {
	best, bestDist := "", math.MaxInt
	for _, c := range candidates {
		if dist := Distance(s, c); dist < bestDist {
			best, bestDist = c, dist
		}
	}
	limit := max(1, min(3, len(s)/3))
	if bestDist <= limit {
		return best
	}
	for _, c := range candidates {
		if len(s) >= 3 && strings.HasPrefix(c, s) {
			return c
		}
	}
	return ""
}

// Distance is the Damerau–Levenshtein (optimal string alignment) distance
// between a and b in code points, so that a transposition like "wehn" for
// "when" counts as one edit.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
