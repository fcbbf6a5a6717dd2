package parser

import (
	"encoding/json"
	"unicode/utf8"
)

// splitJSONObject splits body, which must be a JSON object, into its
// members as json.Unmarshal into a map[string]json.RawMessage would, at a
// fraction of its cost: the body is checked once (json.Valid), then split
// without decoding, each value the bytes it is in body (not copied,
// capacity cut to its length). Keys are unescaped as encoding/json does; a
// repeated key keeps its last value. ok is false when body is not a valid
// JSON object. Detection asks every JSON page for its members, most of
// them a followed incident's page that the sniffers only look at the keys
// of.
func splitJSONObject(body []byte) (members map[string]json.RawMessage, ok bool) {
	i := skipJSONSpace(body, 0)
	if i == len(body) || body[i] != '{' || !json.Valid(body) {
		return nil, false
	}
	// Valid JSON from here on: every index below stays inside body.
	members = map[string]json.RawMessage{}
	i = skipJSONSpace(body, i+1)
	if body[i] == '}' {
		return members, true
	}
	for {
		end := endOfJSONString(body, i)
		key := jsonKey(body[i:end])
		i = skipJSONSpace(body, end)
		i = skipJSONSpace(body, i+1) // the colon
		vEnd := endOfJSONValue(body, i)
		members[key] = json.RawMessage(body[i:vEnd:vEnd])
		i = skipJSONSpace(body, vEnd)
		if body[i] == '}' {
			return members, true
		}
		i = skipJSONSpace(body, i+1) // the comma
	}
}

// skipJSONSpace returns the index of the first byte at or after i that is
// not JSON whitespace.
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// endOfJSONString returns the index just past the string that opens at
// b[i], a quote, in valid JSON.
func endOfJSONString(b []byte, i int) int {
	for j := i + 1; ; j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
}

// endOfJSONValue returns the index just past the value that starts at
// b[i] in valid JSON.
func endOfJSONValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return endOfJSONString(b, i)
	case '{', '[':
		depth := 0
		for j := i; ; j++ {
			switch b[j] {
			case '"':
				j = endOfJSONString(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}

// jsonKey is the string a quoted key stands for: its bytes when they need
// no unescaping, else as encoding/json decodes it (escapes, and invalid
// UTF-8 as U+FFFD).
func jsonKey(quoted []byte) string {
	inner := quoted[1 : len(quoted)-1]
	plain := utf8.Valid(inner)
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(quoted, &s) // a valid JSON string
	return s
}
