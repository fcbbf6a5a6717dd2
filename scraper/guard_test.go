package scraper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
)

func TestParseHostIP(t *testing.T) {
	for _, tc := range []struct {
		host string
		want string // "" for not an IP
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0X7F.0.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"10.1", "10.0.0.1"},
		{"0xa9fea9fe", "169.254.169.254"},
		{"169.254.43518", "169.254.169.254"},
		{"[::ffff:127.0.0.1]", "127.0.0.1"},
		{"::ffff:7f00:1", "127.0.0.1"},
		{"[::1]", "::1"},
		{"fe80::1%25eth0", "fe80::1"}, // the zone is dropped
		{"127.0.0.1.", "127.0.0.1"},
		{"example.com", ""},
		{"256.0.0.1", ""},
		{"1.2.3.4.5", ""},
		{"08.0.0.1", ""}, // 8 is not an octal digit
		{"4294967296", ""},
		{"status.0x7f.example", ""},
	} {
		got, ok := ParseHostIP(tc.host)
		gotS := ""
		if ok {
			gotS = got.String()
		}
		if gotS != tc.want {
			t.Errorf("ParseHostIP(%q) = %q, want %q", tc.host, gotS, tc.want)
		}
	}
}

// TestCheckHost covers the addresses issue 13 found accepted by validate
// and the literal vectors of RELIABILITY test 17: each internal one is
// refused unless private networks are allowed; a plainly written loopback
// address is an explicit choice; public addresses and names pass (names
// are checked when they are dialed).
func TestCheckHost(t *testing.T) {
	for _, tc := range []struct {
		host     string
		refused  bool
		explicit bool
	}{
		{"169.254.169.254", true, false},
		{"10.0.0.1", true, false},
		{"[::ffff:127.0.0.1]", true, false},
		{"0x7f.1", true, false},
		{"127.0.0.1", false, true},
		{"[::1]", false, true},
		{"localhost", false, false}, // a name: checked at dial time, where it is explicit
		{"2130706433", true, false},
		{"0177.0.0.1", true, false},
		{"127.1", true, false},
		{"172.16.5.4", true, false},
		{"192.168.1.1", true, false},
		{"100.64.0.1", true, false},
		{"0.0.0.0", true, false},
		{"224.0.0.1", true, false},
		{"255.255.255.255", true, false},
		{"[fc00::1]", true, false},
		{"[fd00:ec2::254]", true, false},
		{"[fe80::1]", true, false},
		{"[ff02::1]", true, false},
		{"[::]", true, false},
		{"[64:ff9b::a00:1]", true, false}, // NAT64 of 10.0.0.1
		{"[2002:7f00:1::]", true, false},  // 6to4 of 127.0.0.1
		{"[::127.0.0.1]", true, false},    // IPv4-compatible
		{"0xa9fea9fe", true, false},       // the metadata endpoint, spelt oddly
		{"169.254.170.2", true, false},
		{"100.100.100.200", true, false},
		{"[::ffff:169.254.169.254]", true, false},
		{"203.0.113.7", true, false},
		{"[2001:db8::1]", true, false},
		{"8.8.8.8", false, false},           // public
		{"[2606:4700::1111]", false, false}, // public
		{"status.example.com", false, false},
	} {
		explicit, err := CheckHost(tc.host, false)
		if refused := errors.Is(err, ErrPrivateAddress); refused != tc.refused || explicit != tc.explicit {
			t.Errorf("CheckHost(%q) = %v, %v; want explicit %v, refused %v", tc.host, explicit, err, tc.explicit, tc.refused)
		}
		ip, _ := ParseHostIP(tc.host)
		_, err = CheckHost(tc.host, true)
		if metadata := metadataAddrs[ip]; (err != nil) != metadata {
			t.Errorf("CheckHost(%q, allowPrivate) = %v, want refused only for a metadata endpoint", tc.host, err)
		}
	}
}

// stubResolver answers from a map and counts lookups.
type stubResolver struct {
	mu      sync.Mutex
	answers map[string][]string
	asked   []string
}

func (r *stubResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, host)
	ips, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.IP(netip.MustParseAddr(s).AsSlice())})
	}
	return out, nil
}

// TestGuardNames checks the dial-time guard with a loopback server and
// host names that a stub resolver sends into the network: each is refused
// with no connection to the server, unless private networks are allowed;
// a plainly written loopback address is allowed and logged.
func TestGuardNames(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	res := &stubResolver{answers: map[string][]string{
		"internal.test": {"127.0.0.1"},
		"mixed.test":    {"127.0.0.1", "10.0.0.7"},
		"v6.test":       {"::1"},
		"mapped.test":   {"::ffff:127.0.0.1"},
	}}
	// RELIABILITY test 17's ranges, each behind a name: refused at dial
	// time, before any connection.
	for i, ip := range []string{"127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1",
		"0.0.0.0", "::1", "fc00::1", "fd12::1", "fe80::1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe"} {
		res.answers[fmt.Sprintf("range%d.test", i)] = []string{ip}
	}
	for i := range 13 {
		host := fmt.Sprintf("range%d.test", i)
		o := testOptions(nil)
		o.Resolver, o.IgnoreRobots = res, true
		f := newFetcher(t, o)
		if _, err := f.Fetch(t.Context(), Request{URL: fmt.Sprintf("http://%s:%d/", host, port)}); !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("Fetch via %s (%s) = %v, want ErrPrivateAddress", host, res.answers[host], err)
		}
	}
	// The cloud metadata endpoint stays refused when private networks are
	// allowed.
	res.answers["meta.test"] = []string{"169.254.169.254"}
	o := testOptions(nil)
	o.Resolver, o.IgnoreRobots, o.AllowPrivateNetworks = res, true, true
	if _, err := newFetcher(t, o).Fetch(t.Context(), Request{URL: fmt.Sprintf("http://meta.test:%d/", port)}); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("Fetch via meta.test with private networks allowed = %v, want ErrPrivateAddress", err)
	}
	if n := srv.accepts.Load(); n != 0 {
		t.Errorf("the server accepted %d connections for refused names, want 0", n)
	}
	for _, tc := range []struct {
		host    string
		allow   bool
		refused bool
	}{
		{"internal.test", false, true},
		{"internal.test", true, false},
		{"mixed.test", false, true},
		{"mapped.test", false, true},
		{"mapped.test", true, false},
		{"0x7f.1", false, true},
		{"2130706433", false, true},
		{"0177.0.0.1", false, true},
		{"127.1", false, true},
		{"[::ffff:127.0.0.1]", false, true},
		{"[::ffff:127.0.0.1]", true, false},
		{"127.0.0.1", false, false},
	} {
		t.Run(fmt.Sprintf("%s allow=%v", tc.host, tc.allow), func(t *testing.T) {
			var logs bytes.Buffer
			o := testOptions(nil)
			o.Resolver, o.AllowPrivateNetworks, o.IgnoreRobots = res, tc.allow, true
			f, err := New(o, zerolog.New(&logs))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			before := srv.accepts.Load()
			target := fmt.Sprintf("http://%s:%d/page", tc.host, port)
			page, err := f.Fetch(t.Context(), Request{URL: target})
			accepted := srv.accepts.Load() - before
			if tc.refused {
				if !errors.Is(err, ErrPrivateAddress) {
					t.Fatalf("Fetch(%s) = %v, want ErrPrivateAddress", target, err)
				}
				if accepted != 0 {
					t.Errorf("the server accepted %d connections, want 0", accepted)
				}
				return
			}
			if err != nil || string(page.Body) != "ok" {
				t.Fatalf("Fetch(%s) = %v, want the page", target, err)
			}
		})
	}

	// A plainly written loopback address is noted once in the log.
	var logs bytes.Buffer
	o = testOptions(nil)
	o.IgnoreRobots = true
	f, err := New(o, zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for range 2 {
		if _, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/page"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "loopback address allowed"); n != 1 {
		t.Errorf("log has %d notes of the allowed loopback address, want 1:\n%s", n, logs.String())
	}
}

// TestGuardRedirect checks that a redirect into the network is refused at
// dial time: www.site.test (allowed, as a source with
// allow_private_networks would be) redirects to db.site.test on the same
// site, whose name resolves to loopback and which is not allowed. Its
// robots.txt is not fetched either.
func TestGuardRedirect(t *testing.T) {
	var mu sync.Mutex
	var hosts []string
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host+r.URL.Path)
		mu.Unlock()
		if strings.HasPrefix(r.Host, "www.") && r.URL.Path == "/" {
			http.Redirect(w, r, "http://db.site.test:"+portOf(r.URL)+"/secret", http.StatusFound)
			return
		}
		http.NotFound(w, r)
	}))
	port := fmt.Sprint(srv.Listener.Addr().(*net.TCPAddr).Port)
	res := &stubResolver{answers: map[string][]string{"www.site.test": {"127.0.0.1"}, "db.site.test": {"127.0.0.1"}}}
	o := testOptions(nil)
	o.Transport = (&Guard{Resolver: res, AllowHost: func(h string) bool { return h == "www.site.test" }}).Transport()
	f := newFetcher(t, o)
	_, err := f.Fetch(t.Context(), Request{URL: "http://www.site.test:" + port + "/"})
	if !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("Fetch = %v, want ErrPrivateAddress for the redirect", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, h := range hosts {
		if strings.HasPrefix(h, "db.") {
			t.Errorf("the server got a request for %s, want none to db.site.test", h)
		}
	}
	if len(hosts) == 0 {
		t.Errorf("the server got no request for www.site.test")
	}
}

// TestGuardSchemes checks the schemes RELIABILITY test 17 lists: none of
// them reaches a dial.
func TestGuardSchemes(t *testing.T) {
	f := newFetcher(t, testOptions(nil))
	for _, raw := range []string{"gopher://127.0.0.1:70/", "data:text/html,hi", "ftp://10.0.0.1/"} {
		if _, err := f.Fetch(t.Context(), Request{URL: raw}); !errors.Is(err, ErrUnsupportedScheme) {
			t.Errorf("Fetch(%s) = %v, want ErrUnsupportedScheme", raw, err)
		}
	}
	// file: reads local files by design (saved pages); it never dials.
	if u, err := url.Parse("file:///etc/hostname"); err != nil || u.Host != "" {
		t.Fatal("file url parse")
	}
}

// TestCredentialsInRedirectsAndLinks checks RELIABILITY test 17's
// userinfo vector: a redirect to http://user@host/ is refused before it
// is followed, and a link carrying credentials is not fetched; neither
// shows the password.
func TestCredentialsInRedirectsAndLinks(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "http://alice:S3cretPW@"+r.Host+"/private", http.StatusFound)
		case "/":
			fmt.Fprintf(w, "follow http://alice:S3cretPW@%s/private\n", r.Host)
			fmt.Fprint(w, "follow http://alice:S3cretPW@[::1/broken\n")
		default:
			fmt.Fprint(w, "page")
		}
	}))
	f := newFetcher(t, testOptions(nil))
	_, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/redirect"})
	if !errors.Is(err, ErrCredentials) || strings.Contains(err.Error(), "S3cretPW") {
		t.Errorf("Fetch(redirect to credentials) = %v, want ErrCredentials without the password", err)
	}
	var logs bytes.Buffer
	f, err = New(testOptions(nil), zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := f.Crawl(t.Context(), Request{URL: srv.URL + "/"}, (&followLinks{}).visit)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Refused) != 2 || strings.Contains(strings.Join(res.Refused, " "), "S3cretPW") {
		t.Errorf("Refused = %q, want both links (one that does not parse) with their password redacted", res.Refused)
	}
	if strings.Contains(logs.String(), "S3cretPW") {
		t.Errorf("the log holds the password:\n%s", logs.String())
	}
	if n := srv.Hits("/private"); n != 0 {
		t.Errorf("/private was fetched %d times, want 0", n)
	}
}
