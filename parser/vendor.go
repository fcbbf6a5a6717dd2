package parser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Helpers shared by the parsers of vendors' own JSON and feeds (Checkly,
// Cachet, Google Cloud, AWS Health, Azure, Slack) and Hund.io's pages.

// vendorObject decodes body as a JSON object into its members; nil when it
// is not one.
func vendorObject(body []byte) map[string]json.RawMessage {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	return m
}

// vendorArray decodes body as a JSON array of objects; ok is false when it
// is not a JSON array. Elements that are not objects decode to nil maps.
func vendorArray(body []byte) (items []map[string]json.RawMessage, ok bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '[' {
		return nil, false
	}
	var raw []json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return nil, false
	}
	items = make([]map[string]json.RawMessage, len(raw))
	for i, r := range raw {
		items[i] = vendorObject(r)
	}
	return items, true
}

// hasKeys reports whether m has every one of keys.
func hasKeys(m map[string]json.RawMessage, keys ...string) bool {
	if m == nil {
		return false
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// jsonKind returns the first byte of a JSON value: '{', '[', '"', 'n', a
// digit or sign, or 0 for nothing.
func jsonKind(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// epochSeconds reads a Unix time in seconds written as digits, keeping the
// text.
func epochSeconds(text string) (Time, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || n <= 0 {
		return Time{}, fmt.Errorf("%w: %q is not a Unix time in seconds", ErrBadTime, text)
	}
	return NewTime(time.Unix(n, 0), text), nil
}

// latestStatus returns the status and raw word of the latest update that
// states one, or false when none does.
func latestStatus(updates []Update) (Status, string, bool) {
	var at time.Time
	var st Status
	var raw string
	found := false
	for _, u := range updates {
		if u.Status == StatusUpdate || (u.Status == StatusUnknown && u.StatusRaw == "") {
			continue
		}
		if !found || !u.At.At.Before(at) {
			at, st, raw, found = u.At.At, u.Status, u.StatusRaw, true
		}
	}
	return st, raw, found
}

func init() {
	closeCalls = append(closeCalls, closeToVendorJSON)
}

// closeToVendorJSON names the vendor a JSON object almost is, and what it
// lacks, for a document no parser reads.
func closeToVendorJSON(m map[string]json.RawMessage) string {
	body, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	why := func(err error) string {
		msg := err.Error()
		if _, after, ok := strings.Cut(msg, ": "); ok {
			if _, rest, ok := strings.Cut(after, ": "); ok {
				return rest
			}
		}
		return msg
	}
	items, _ := vendorArray(m["incidents"])
	checkly := slices.ContainsFunc(items, func(it map[string]json.RawMessage) bool {
		return hasKeys(it, "incidentUpdates") || hasKeys(it, "lastUpdateStatus")
	})
	switch {
	case checkly:
		if _, _, err := checklyDecode(body); err != nil {
			return "looks like a Checkly incident list but " + why(err)
		}
	case hasKeys(vendorObject(m["meta"]), "pagination"):
		if _, err := cachetDecode(body); err != nil {
			return "looks like a Cachet API list but " + why(err)
		}
	case hasKeys(m, "active_incidents"):
		if _, _, err := slackDecode(body); err != nil {
			return "looks like Slack's status API but " + why(err)
		}
	}
	return ""
}
