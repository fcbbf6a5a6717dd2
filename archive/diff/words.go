package diff

import (
	"strings"

	"github.com/statusarchive/statusarchive/parser"
)

// Op says what a run of words in a word diff does.
type Op string

// Ops of a word diff.
const (
	OpEqual  Op = "equal"  // the words are in both texts
	OpDelete Op = "delete" // the words are only in the older text
	OpInsert Op = "insert" // the words are only in the newer text
)

// Edit is one run of words of the same Op. Text holds the run's words
// joined by single spaces; words never contain white space, so
// strings.Fields(Text) gives them back.
type Edit struct {
	Op   Op     `json:"op"`
	Text string `json:"text"`
}

// maxCost bounds the edit distance WordDiff searches for, after the common
// prefix and suffix are set aside. Past it the middle is reported as
// replaced wholesale: correct, only not minimal. The search keeps about
// maxCost² integers of trace, so this also bounds memory (about 4 MB).
const maxCost = 1000

// Tokens splits s into the words a word diff compares: the text is
// normalised (parser.NormaliseText) and cut at white space, so that
// re-wrapping or re-spacing a text changes none of its tokens.
func Tokens(s string) []string {
	return strings.Fields(parser.NormaliseText(s))
}

// WordDiff returns the runs of equal, deleted and inserted words that turn
// the older text into the newer one, comparing Tokens. Within a changed
// stretch the deletions come before the insertions. Two texts that differ
// only in white space give a single equal run (or none when both are empty).
// The diff is minimal (Myers' algorithm) unless the texts differ by more
// than maxCost words.
func WordDiff(older, newer string) []Edit {
	return wordDiff(Tokens(older), Tokens(newer))
}

// wordDiff diffs two token lists.
func wordDiff(a, b []string) []Edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var r runs
	r.add(OpEqual, a[:pre]...)
	midA, midB := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if ops, ok := myers(midA, midB, maxCost); ok {
		i, j := 0, 0
		for _, op := range ops {
			switch op {
			case OpEqual:
				r.add(OpEqual, midA[i])
				i++
				j++
			case OpDelete:
				r.add(OpDelete, midA[i])
				i++
			case OpInsert:
				r.add(OpInsert, midB[j])
				j++
			}
		}
	} else {
		r.add(OpDelete, midA...)
		r.add(OpInsert, midB...)
	}
	r.add(OpEqual, a[len(a)-suf:]...)
	return r.edits()
}

// runs collects words into edits, merging neighbours of the same op and
// putting every deletion of a changed stretch before its insertions.
type runs struct {
	done     []Edit
	eq       []string
	del, ins []string
}

func (r *runs) add(op Op, words ...string) {
	if len(words) == 0 {
		return
	}
	switch op {
	case OpEqual:
		r.flushChange()
		r.eq = append(r.eq, words...)
	case OpDelete:
		r.flushEqual()
		r.del = append(r.del, words...)
	case OpInsert:
		r.flushEqual()
		r.ins = append(r.ins, words...)
	}
}

func (r *runs) flushEqual() {
	if len(r.eq) > 0 {
		r.done = append(r.done, Edit{OpEqual, strings.Join(r.eq, " ")})
		r.eq = r.eq[:0]
	}
}

func (r *runs) flushChange() {
	if len(r.del) > 0 {
		r.done = append(r.done, Edit{OpDelete, strings.Join(r.del, " ")})
		r.del = r.del[:0]
	}
	if len(r.ins) > 0 {
		r.done = append(r.done, Edit{OpInsert, strings.Join(r.ins, " ")})
		r.ins = r.ins[:0]
	}
}

func (r *runs) edits() []Edit {
	r.flushEqual()
	r.flushChange()
	return r.done
}

// myers returns a shortest edit script from a to b, one op per word, or
// false when the edit distance exceeds limit. It is the greedy forward
// algorithm of Myers (1986), keeping the furthest-reaching x of every
// diagonal per step for the walk back.
func myers(a, b []string, limit int) ([]Op, bool) {
	// Compare small integers rather than strings in the inner loop.
	ids := map[string]int32{}
	intern := func(words []string) []int32 {
		out := make([]int32, len(words))
		for i, w := range words {
			id, ok := ids[w]
			if !ok {
				id = int32(len(ids))
				ids[w] = id
			}
			out[i] = id
		}
		return out
	}
	x, y := intern(a), intern(b)
	n, m := len(x), len(y)
	if n == 0 && m == 0 {
		return nil, true
	}
	dmax := min(n+m, limit)
	off := dmax + 1
	v := make([]int32, 2*dmax+3)
	// trace[d] holds v[k] for k in [-d-1, d+1] as it was before step d.
	var trace [][]int32
	for d := 0; d <= dmax; d++ {
		trace = append(trace, append([]int32(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var i int32
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				i = v[off+k+1] // down: insert b[j-1]
			} else {
				i = v[off+k-1] + 1 // right: delete a[i-1]
			}
			j := i - int32(k)
			for int(i) < n && int(j) < m && x[i] == y[j] {
				i++
				j++
			}
			v[off+k] = i
			if int(i) >= n && int(j) >= m {
				return backtrack(trace, n, m, d), true
			}
		}
	}
	return nil, false
}

// backtrack walks the trace from (n, m) back to (0, 0) and returns the
// ops in forward order.
func backtrack(trace [][]int32, n, m, d int) []Op {
	ops := make([]Op, 0, n+m)
	i, j := n, m
	for ; d > 0; d-- {
		prev := trace[d]
		at := func(k int) int { return int(prev[k+d+1]) }
		k := i - j
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		pi := at(pk)
		pj := pi - pk
		// The snake that followed the edit is all equal words.
		for i > pi && j > pj {
			ops = append(ops, OpEqual)
			i--
			j--
		}
		if pk == k+1 {
			ops = append(ops, OpInsert)
		} else {
			ops = append(ops, OpDelete)
		}
		i, j = pi, pj
	}
	for i > 0 {
		ops = append(ops, OpEqual)
		i--
		j--
	}
	for l, r := 0, len(ops)-1; l < r; l, r = l+1, r-1 {
		ops[l], ops[r] = ops[r], ops[l]
	}
	return ops
}

// Unified renders a word diff on one line: equal words as they are,
// deleted words as [-words-] and inserted words as {+words+}. context is
// how many equal words to keep on each side of a change; longer equal runs
// are cut to "…". A negative context keeps every word. Words are passed
// through SafeText.
func Unified(edits []Edit, context int) string {
	var b strings.Builder
	for i, e := range edits {
		// A replacement reads as one unit: [-old-]{+new+}.
		if i > 0 && !(e.Op == OpInsert && edits[i-1].Op == OpDelete) {
			b.WriteByte(' ')
		}
		text := SafeText(e.Text)
		switch e.Op {
		case OpDelete:
			b.WriteString("[-" + text + "-]")
		case OpInsert:
			b.WriteString("{+" + text + "+}")
		default:
			b.WriteString(elide(strings.Fields(text), context, i > 0, i < len(edits)-1))
		}
	}
	return b.String()
}

// elide keeps context words of an equal run next to the changes before
// (head) and after (tail) it.
func elide(words []string, context int, before, after bool) string {
	if context < 0 {
		return strings.Join(words, " ")
	}
	keepHead, keepTail := 0, 0
	if before {
		keepHead = context
	}
	if after {
		keepTail = context
	}
	if keepHead+keepTail >= len(words) {
		return strings.Join(words, " ")
	}
	var out []string
	out = append(out, words[:keepHead]...)
	out = append(out, "…")
	out = append(out, words[len(words)-keepTail:]...)
	return strings.Join(out, " ")
}
