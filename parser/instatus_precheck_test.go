package parser

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
)

// decodeInstatusWhole is decodeInstatus as it was before it refused a
// page without an Instatus status from that member alone: the whole
// document decoded first. TestInstatusPageCheckAgrees holds the two to
// the same answers.
func decodeInstatusWhole(m map[string]json.RawMessage, body []byte) error {
	_, page := m["page"]
	_, comps := m["components"]
	if m == nil || !page && !(comps && len(m) == 1) {
		return errWrongPlatform("Instatus", "neither")
	}
	var d isDoc
	if err := decodeMembers(m, body, &d); err != nil {
		return err
	}
	switch {
	case d.Page != nil:
		if !isInstatusWord(d.Page.Status) {
			return errWrongPlatform("Instatus", "status")
		}
		if _, ok := m["incidents"]; ok {
			return errWrongPlatform("Instatus", "incidents")
		}
		for _, in := range append(append([]isIncident{}, d.ActiveIncidents...), d.ActiveMaintenances...) {
			if in.ID == "" || in.Name == "" {
				return errWrongPlatform("Instatus", "entry")
			}
		}
		return nil
	case d.Components != nil && len(m) == 1:
		for _, c := range *d.Components {
			if c.Name == "" || !isInstatusWord(c.Status) {
				return errWrongPlatform("Instatus", "component")
			}
		}
		return nil
	}
	return errWrongPlatform("Instatus", "neither")
}

// jsonBodies reads every JSON body of the fixtures and the test data, by
// name.
func jsonBodies(t *testing.T) map[string][]byte {
	t.Helper()
	bodies := map[string][]byte{}
	names, err := fixtures.Glob("*/*/*.json")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := fixtures.Glob("*/*.json")
	for _, name := range append(names, more...) {
		if bodies[name], err = fixtures.ReadFile(name); err != nil {
			t.Fatal(err)
		}
	}
	err = filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		bodies[p], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return bodies
}

// TestInstatusPageCheckAgrees: decodeInstatus accepts exactly the JSON
// documents the whole decode accepts, on every JSON body of the test data
// and the fixtures and on page members of every shape.
func TestInstatusPageCheckAgrees(t *testing.T) {
	bodies := jsonBodies(t)
	for i, body := range []string{
		`{"page":{"name":"x","status":"UP"}}`,
		`{"page":{"name":"x","status":"HASISSUES"},"activeIncidents":[{"id":"a","name":"b"}]}`,
		`{"page":{"name":"x","status":"UP"},"activeIncidents":[{"id":"","name":"b"}]}`,
		`{"page":{"name":"x","status":"up"}}`,
		`{"page":{"name":"x"},"incident":{"id":"a"}}`,
		`{"page":null,"components":[{"name":"a","status":"OPERATIONAL"}]}`,
		`{"page":null}`,
		`{"page":[]}`,
		`{"page":{"status":1}}`,
		`{"page":{"status":"UP"},"incidents":[]}`,
		`{"page":{"status":"UP"},"activeIncidents":"x"}`,
		`{"page":"UP"}`,
		`{"components":[{"name":"a","status":"OPERATIONAL"}]}`,
		`{"components":[{"name":"a","status":"operational"}]}`,
		`{"page":{"status":"UP"},"Page":{"status":"down"}}`,
	} {
		bodies[string(rune('a'+i))] = []byte(body)
	}
	checked := 0
	for name, body := range bodies {
		doc := Document{URL: "https://status.example/x", ContentType: "application/json", Body: body}.shared()
		m := docMembers(doc)
		if m == nil {
			continue
		}
		checked++
		_, got := decodeInstatus(m, doc.trimmedBody())
		want := decodeInstatusWhole(m, doc.trimmedBody())
		if (got == nil) != (want == nil) {
			t.Errorf("%s: decodeInstatus error %v, the whole decode %v", name, got, want)
		}
	}
	if checked < 20 {
		t.Errorf("checked %d JSON objects, want the test data's and the fixtures' (at least 20)", checked)
	}
}

// TestStatuspageAPIKeyCheckAgrees: apiKeysRefuse refuses only JSON objects
// that decodeAPI refuses too, on every JSON body of the test data and the
// fixtures and on objects written near its edges.
func TestStatuspageAPIKeyCheckAgrees(t *testing.T) {
	bodies := jsonBodies(t)
	for i, body := range []string{
		`{"incidents":[]}`,
		`{"incidents":[],"page":{"id":"p","name":"x"}}`,
		`{"incidents":[],"page":null}`,
		`{"incident":null,"incidents":[],"page":{"id":"p","name":"x"}}`,
		`{"id":"a","name":"b","incident_updates":[],"status":"resolved"}`,
		`{"id":"a","name":"b","incident_updates":[]}`,
		`{"incident_updates":[]}`,
		`{"incident":{"id":"a","name":"b","incident_updates":[{"id":"u"}]}}`,
		`{"Incidents":[],"Page":{"id":"p","name":"x"}}`,
		`{"data":[],"meta":{}}`,
	} {
		bodies[string(rune('a'+i))] = []byte(body)
	}
	checked, refused := 0, 0
	for name, body := range bodies {
		doc := Document{URL: "https://status.example/x", ContentType: "application/json", Body: body}.shared()
		m := docMembers(doc)
		if m == nil {
			continue
		}
		if m["incident"] == nil && m["incidents"] == nil && m["incident_updates"] == nil {
			continue // the sniffer's first test refuses it, as written (decodeAPI matches keys in any case)
		}
		checked++
		if apiKeysRefuse(m) {
			refused++
			if _, _, err := decodeAPI(body); err == nil {
				t.Errorf("%s: refused from its keys, but decodeAPI takes it", name)
			}
		}
	}
	if checked < 10 || refused < 4 {
		t.Errorf("checked %d JSON objects, %d refused from their keys; want at least 10 and 4", checked, refused)
	}
}
