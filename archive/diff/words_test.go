package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestWordDiff(t *testing.T) {
	tests := []struct {
		name       string
		older, new string
		want       []Edit
	}{
		{"both empty", "", "", nil},
		{"white space only", "We are  investigating.\n", " We are investigating. ", []Edit{{OpEqual, "We are investigating."}}},
		{"from empty", "", "a b", []Edit{{OpInsert, "a b"}}},
		{"to empty", "a b", "", []Edit{{OpDelete, "a b"}}},
		{"one word replaced", "errors on the API", "timeouts on the API",
			[]Edit{{OpDelete, "errors"}, {OpInsert, "timeouts"}, {OpEqual, "on the API"}}},
		{"words appended", "We are investigating.", "We are investigating. A fix is rolling out.",
			[]Edit{{OpEqual, "We are investigating."}, {OpInsert, "A fix is rolling out."}}},
		{"middle rewritten", "a b c d e", "a x y d e",
			[]Edit{{OpEqual, "a"}, {OpDelete, "b c"}, {OpInsert, "x y"}, {OpEqual, "d e"}}},
		{"interleaved", "a b c a b b a", "c b a b a c",
			nil}, // checked by the properties below only
		{"NFC and zero width", "Cafe\u0301 down", "Caf\u00e9\u200b down", []Edit{{OpEqual, "Café down"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WordDiff(tt.older, tt.new)
			if tt.want != nil || len(got) == 0 {
				if !slices.Equal(got, tt.want) {
					t.Errorf("WordDiff(%q, %q) = %v, want %v", tt.older, tt.new, got, tt.want)
				}
			}
			checkEdits(t, Tokens(tt.older), Tokens(tt.new), got, true)
		})
	}
}

// TestWordDiffOverCost checks that texts differing by more than maxCost
// words still give a correct, if not minimal, diff.
func TestWordDiffOverCost(t *testing.T) {
	var a, b []string
	for i := range 3 * maxCost {
		a = append(a, fmt.Sprintf("a%d", i))
		b = append(b, fmt.Sprintf("b%d", i))
	}
	a = append([]string{"head"}, append(a, "tail")...)
	b = append([]string{"head"}, append(b, "tail")...)
	got := WordDiff(strings.Join(a, " "), strings.Join(b, " "))
	if len(got) != 4 || got[0].Op != OpEqual || got[1].Op != OpDelete || got[2].Op != OpInsert || got[3].Op != OpEqual {
		t.Errorf("WordDiff over the cost cap gave %d runs, want equal, delete, insert, equal", len(got))
	}
	checkEdits(t, a, b, got, false)
}

func TestUnified(t *testing.T) {
	edits := WordDiff("We are investigating elevated error rates on the API for some customers in Europe.",
		"We are investigating elevated timeouts on the API for all customers in Europe.")
	tests := []struct {
		name    string
		context int
		want    string
	}{
		{"all words", -1, "We are investigating elevated [-error rates-]{+timeouts+} on the API for [-some-]{+all+} customers in Europe."},
		{"two words of context", 2, "… investigating elevated [-error rates-]{+timeouts+} on the API for [-some-]{+all+} customers in …"},
		{"one word of context", 1, "… elevated [-error rates-]{+timeouts+} on … for [-some-]{+all+} customers …"},
		{"no context", 0, "… [-error rates-]{+timeouts+} … [-some-]{+all+} …"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unified(edits, tt.context); got != tt.want {
				t.Errorf("Unified(context %d) = %q, want %q", tt.context, got, tt.want)
			}
		})
	}
	if got, want := Unified(WordDiff("ok", "ok \x1b[2J"), -1), `ok {+\x1b[2J+}`; got != want {
		t.Errorf("Unified of an escape sequence = %q, want %q", got, want)
	}
}

// checkEdits checks the properties every word diff must have: applying it
// to a gives b; runs alternate (no two neighbours of one op, deletions
// before insertions); and, when minimal is set, it changes no more words
// than the longest common subsequence requires.
func checkEdits(t *testing.T, a, b []string, edits []Edit, minimal bool) {
	t.Helper()
	got, err := apply(a, edits)
	if err != nil {
		t.Fatalf("apply(%q, %v): %v", a, edits, err)
	}
	if !slices.Equal(got, b) {
		t.Fatalf("apply(%q, %v) = %q, want %q", a, edits, got, b)
	}
	for i := 1; i < len(edits); i++ {
		if edits[i].Op == edits[i-1].Op {
			t.Errorf("edits %d and %d are both %s: %v", i-1, i, edits[i].Op, edits)
		}
		if edits[i].Op == OpDelete && edits[i-1].Op == OpInsert {
			t.Errorf("edit %d deletes after an insertion: %v", i, edits)
		}
	}
	for i, e := range edits {
		if e.Text == "" {
			t.Errorf("edit %d is empty: %v", i, edits)
		}
	}
	if !minimal || len(a)*len(b) > 1<<20 {
		return
	}
	changed := 0
	for _, e := range edits {
		if e.Op != OpEqual {
			changed += len(strings.Fields(e.Text))
		}
	}
	if want := len(a) + len(b) - 2*lcs(a, b); changed != want {
		t.Errorf("diff of %q and %q changes %d words, want the minimum %d: %v", a, b, changed, want, edits)
	}
}

// apply replays edits on the tokens a.
func apply(a []string, edits []Edit) ([]string, error) {
	var out []string
	i := 0
	for _, e := range edits {
		words := strings.Fields(e.Text)
		switch e.Op {
		case OpEqual, OpDelete:
			if i+len(words) > len(a) || !slices.Equal(a[i:i+len(words)], words) {
				return nil, fmt.Errorf("%s run %q does not match the old text at word %d", e.Op, e.Text, i)
			}
			i += len(words)
			if e.Op == OpEqual {
				out = append(out, words...)
			}
		case OpInsert:
			out = append(out, words...)
		default:
			return nil, fmt.Errorf("unknown op %q", e.Op)
		}
	}
	if i != len(a) {
		return nil, fmt.Errorf("edits consume %d of %d old words", i, len(a))
	}
	return out, nil
}

// lcs is the length of the longest common subsequence, by the textbook
// dynamic programme: an independent check of Myers.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func FuzzWordDiff(f *testing.F) {
	f.Add("", "")
	f.Add("a b c a b b a", "c b a b a c")
	f.Add("We are investigating elevated errors.", "We are  investigating elevated\n error rates.")
	f.Add("x x x x", "x y x y x")
	f.Add("Cafe\u0301 \u202etxt", "Caf\u00e9 \x1b[2J txt")
	f.Fuzz(func(t *testing.T, older, newer string) {
		checkEdits(t, Tokens(older), Tokens(newer), WordDiff(older, newer), true)
	})
}
