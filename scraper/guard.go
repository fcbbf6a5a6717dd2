package scraper

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// ErrPrivateAddress means a URL's host is, or resolves to, an address inside
// the network (loopback, private, link-local, unique-local, CGNAT,
// multicast, unspecified or reserved), and the user did not allow private
// networks. Nothing was sent to it.
var ErrPrivateAddress = errors.New("private network address refused")

// Resolver finds a host name's addresses. *net.Resolver is one; tests
// inject a stub.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Guard decides, at dial time, which addresses a request may connect to: a
// server-side request forgery guard. Its DialContext resolves the host
// itself, checks every address, and dials only checked addresses, each
// checked once more in net.Dialer.Control against the socket's actual
// address: a name that resolves into the network, a redirect there or an
// odd spelling of an internal IP (0x7f.1, 2130706433, 0177.0.0.1,
// ::ffff:127.0.0.1) never gets a connection.
//
// A loopback address written plainly as the URL's host (127.0.0.1, [::1])
// or localhost is the user's explicit choice, as in the demo and tests: it
// is allowed and logged once. Every other internal address needs
// AllowPrivate or AllowHost.
//
// The zero Guard refuses internal addresses and uses net.DefaultResolver.
// It is safe for concurrent use.
type Guard struct {
	// AllowPrivate lets every address through (--allow-private-networks).
	AllowPrivate bool
	// AllowHost, when set, reports whether a host, as written in the URL,
	// may reach internal addresses (allow_private_networks on one source or
	// webhook).
	AllowHost func(host string) bool
	// Resolver finds addresses; nil means net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds one dial, name lookup included; 0 means 30 s.
	Timeout time.Duration
	// Logger notes each explicitly allowed loopback host, once.
	Logger zerolog.Logger

	logged  sync.Map // host:port already noted as allowed
	proxies sync.Map // proxy hosts from the environment, allowed
}

// DialContext connects to addr ("host:port") if the guard allows every
// step: it has the signature of http.Transport.DialContext.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	allowAll, explicit := g.allowed(ctx, host)
	// A resolver that never answers is bounded like a dial.
	ctx, cancel := context.WithTimeout(ctx, g.timeout())
	defer cancel()
	ips, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var firstErr error
	for _, ip := range ips {
		if err := checkAddr(ip, allowAll, explicit); err != nil {
			firstErr = cmpErr(firstErr, fmt.Errorf("%s (%s): %w", host, ip, err))
			continue
		}
		d := &net.Dialer{Timeout: g.timeout(), KeepAlive: 30 * time.Second,
			Control: func(_, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return fmt.Errorf("%w: unreadable address %q", ErrPrivateAddress, address)
				}
				return checkAddr(ap.Addr(), allowAll, explicit)
			}}
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			if explicit && !allowAll {
				if _, seen := g.logged.LoadOrStore(addr, true); !seen {
					g.Logger.Info().Str("host", addr).Msg("loopback address allowed: the URL names it explicitly")
				}
			}
			return conn, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		firstErr = cmpErr(firstErr, err)
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("%s: no address", host)
	}
	return nil, firstErr
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func (g *Guard) timeout() time.Duration {
	if g.Timeout > 0 {
		return g.Timeout
	}
	return 30 * time.Second
}

// writtenHostKey carries, in a request's context, the URL's host as the
// user wrote it: colly rewrites hosts the WHATWG way (0x7f.1 becomes
// 127.0.0.1) before they reach the dialer, and only what was written says
// whether loopback was an explicit choice.
type writtenHostKey struct{}

// withWrittenHost returns ctx carrying the host as written.
func withWrittenHost(ctx context.Context, host string) context.Context {
	return context.WithValue(ctx, writtenHostKey{}, host)
}

// allowed says what the host may reach: everything (allowAll), or
// loopback as well as public addresses (explicit: the host is a plainly
// written loopback address or localhost).
func (g *Guard) allowed(ctx context.Context, host string) (allowAll, explicit bool) {
	if g.AllowPrivate || (g.AllowHost != nil && g.AllowHost(host)) {
		return true, false
	}
	if _, proxy := g.proxies.Load(strings.ToLower(host)); proxy {
		return true, false
	}
	written, ok := ctx.Value(writtenHostKey{}).(string)
	if !ok {
		return false, ExplicitLoopback(host)
	}
	if !strings.EqualFold(strings.Trim(written, "[]"), strings.Trim(host, "[]")) {
		a, okA := ParseHostIP(written)
		b, okB := ParseHostIP(host)
		if !okA || !okB || a != b {
			return false, false // a redirect to another host: nothing explicit about it
		}
	}
	return false, ExplicitLoopback(written)
}

// resolve returns host's addresses: an IP in any spelling the C library
// would accept, normalised, or the resolver's answer for a name.
func (g *Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, ok := ParseHostIP(host); ok {
		return []netip.Addr{ip}, nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			out = append(out, ip.Unmap())
		}
	}
	return out, nil
}

// Transport returns a clone of http.DefaultTransport that dials through the
// guard. A proxy from the environment is the user's own choice, so its
// address is allowed; names behind it are resolved by the proxy, where the
// guard cannot see them.
func (g *Guard) Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = func(req *http.Request) (*url.URL, error) {
		u, err := http.ProxyFromEnvironment(req)
		if u != nil {
			g.proxies.Store(strings.ToLower(u.Hostname()), true)
		}
		return u, err
	}
	tr.DialContext = g.DialContext
	return tr
}

// ExplicitLoopback reports whether host, as written in a URL, is a
// loopback address spelt plainly (127.0.0.1, ::1) or localhost: the user
// chose it, so it is allowed without --allow-private-networks. Odd
// spellings of the same address (0x7f.1, 2130706433, ::ffff:127.0.0.1) are
// not an explicit choice.
func ExplicitLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.Zone() != "" || ip.Is4In6() {
		return false
	}
	return ip.IsLoopback() && ip.String() == host
}

// CheckHost is the check a URL's host gets before any dial, for a sources
// file or a command line: a host written as an IP address in any spelling
// is normalised and refused when internal, unless allowPrivate or it is an
// explicit loopback (then explicit is true, for a note). A cloud metadata
// endpoint is refused even with allowPrivate. A name passes: what it
// resolves to is checked at dial time.
func CheckHost(host string, allowPrivate bool) (explicit bool, err error) {
	ip, ok := ParseHostIP(host)
	if !ok {
		return false, nil
	}
	explicit = ExplicitLoopback(host) && !allowPrivate
	if err := checkAddr(ip, allowPrivate, explicit); err != nil {
		if ip.String() == host {
			return false, err
		}
		// An odd spelling (0x7f.1, 2130706433) says what it stands for.
		return false, fmt.Errorf("%s is %s: %w", host, ip, err)
	}
	return explicit, nil
}

// ParseHostIP reads host as an IP address the way the C library's
// inet_aton and an IPv6 literal would: dotted quads, fewer parts
// (127.1), hex (0x7f.1), octal (0177.0.0.1) and one decimal number
// (2130706433), IPv6 with or without brackets. IPv4-mapped IPv6 comes back
// as IPv4. ok is false for a host name.
func ParseHostIP(host string) (netip.Addr, bool) {
	h := strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.WithZone("").Unmap(), true
	}
	return parseLegacyIPv4(h)
}

// parseLegacyIPv4 parses inet_aton forms: 1 to 4 parts, each decimal, hex
// (0x) or octal (leading 0); the last part fills the bytes left.
func parseLegacyIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base, digits := 10, p
		switch {
		case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
			if digits == "" {
				digits = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// internalRanges are the networks a guarded dial refuses, with why.
var internalRanges = func() []struct {
	p    netip.Prefix
	what string
} {
	list := []struct{ cidr, what string }{
		{"0.0.0.0/8", "unspecified"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "carrier-grade NAT"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local (cloud metadata)"},
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol assignments"},
		{"192.0.2.0/24", "documentation"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "benchmarking"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"64:ff9b:1::/48", "local NAT64"},
		{"100::/64", "discard"},
		{"2001:db8::/32", "documentation"},
		{"fc00::/7", "unique-local"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local"},
		{"ff00::/8", "multicast"},
	}
	out := make([]struct {
		p    netip.Prefix
		what string
	}, len(list))
	for i, r := range list {
		out[i].p, out[i].what = netip.MustParsePrefix(r.cidr), r.what
	}
	return out
}()

// checkAddr refuses an internal address unless allowAll, or unless it is
// loopback and the host was an explicit loopback. IPv4 carried inside IPv6
// (mapped, compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) is checked as
// the IPv4 address it carries.
func checkAddr(ip netip.Addr, allowAll, explicit bool) error {
	ip = ip.WithZone("").Unmap()
	if metadataAddrs[ip] {
		// Cloud instance metadata hands out credentials and is never a
		// status page: refused even when private networks are allowed.
		return fmt.Errorf("%w: %s is a cloud metadata endpoint, never allowed", ErrPrivateAddress, ip)
	}
	if v4, ok := embeddedIPv4(ip); ok && metadataAddrs[v4] {
		return fmt.Errorf("%w: %s carries the cloud metadata endpoint %s, never allowed", ErrPrivateAddress, ip, v4)
	}
	if allowAll {
		return nil
	}
	if v4, ok := embeddedIPv4(ip); ok {
		if err := checkAddr(v4, false, false); err != nil {
			return fmt.Errorf("%s carries %s: %w", ip, v4, err)
		}
	}
	for _, r := range internalRanges {
		if r.p.Contains(ip) {
			if explicit && r.what == "loopback" {
				return nil
			}
			return fmt.Errorf("%w: %s is %s (allow it with --allow-private-networks or allow_private_networks: true)",
				ErrPrivateAddress, ip, r.what)
		}
	}
	return nil
}

// metadataAddrs are cloud instance metadata services (AWS, GCP, Azure,
// OpenStack: 169.254.169.254; AWS IPv6: fd00:ec2::254; ECS tasks:
// 169.254.170.2; Alibaba: 100.100.100.200).
var metadataAddrs = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true,
	netip.MustParseAddr("fd00:ec2::254"):   true,
	netip.MustParseAddr("169.254.170.2"):   true,
	netip.MustParseAddr("100.100.100.200"): true,
}

var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	compatible = netip.MustParsePrefix("::/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address an IPv6 address carries, if it is
// of a form that routes to one.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip), compatible.Contains(ip) && ip != netip.IPv6Unspecified() && ip != netip.IPv6Loopback():
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}
