package scraper

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// parseTarget turns what a caller asked for into an absolute URL: http,
// https and file URLs as they are, a plain local path as a file:// URL.
func parseTarget(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("empty url")
	}
	if u, err := url.Parse(raw); err == nil && len(u.Scheme) > 1 && u.Scheme != "file" && !strings.Contains(raw, "://") {
		// data:, javascript:, mailto: and the like are URLs, not paths.
		return nil, fmt.Errorf("%w %q", ErrUnsupportedScheme, strings.ToLower(u.Scheme))
	}
	if !strings.Contains(raw, "://") && !strings.HasPrefix(raw, "file:") {
		abs, err := filepath.Abs(raw)
		if err != nil {
			return nil, fmt.Errorf("local path %q: %w", raw, err)
		}
		return &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	return checkScheme(u)
}

// checkScheme accepts http and https URLs with a host, and file URLs.
func checkScheme(u *url.URL) (*url.URL, error) {
	u.Scheme = strings.ToLower(u.Scheme)
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return nil, fmt.Errorf("url %q has no host", u.Redacted())
		}
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("file url %q names a remote host", u.Redacted())
		}
	default:
		return nil, fmt.Errorf("%w %q", ErrUnsupportedScheme, u.Scheme)
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// resolveAgainst resolves ref (absolute or relative) against base.
func resolveAgainst(base *url.URL, ref string) (*url.URL, error) {
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		// url.Error quotes the whole text, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("unparseable link %q: %w", redactLink(ref), err)
	}
	return checkScheme(base.ResolveReference(r))
}

// site names the site a URL belongs to; two URLs may redirect to or link to
// each other only when their sites are equal. For a host name that is its
// registrable domain (status.example.com and example.com are one site); for
// an IP address, localhost or any single-label name it is host:port, since a
// different port on one machine is a different service. All local files are
// one site.
func site(u *url.URL) string {
	if u.Scheme == "file" {
		return "file:"
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if net.ParseIP(host) != nil || !strings.Contains(host, ".") {
		return net.JoinHostPort(host, portOf(u))
	}
	domain, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		// A public suffix itself, or something odd: only the exact host.
		return host
	}
	return domain
}

// hostKey names the host a politeness budget applies to: host and port.
func hostKey(u *url.URL) string {
	return net.JoinHostPort(strings.ToLower(u.Hostname()), portOf(u))
}

// portOf returns u's port, or the scheme's default.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// urlKey is the form of a URL used to dedupe a crawl: lower-case scheme and
// host, no default port, no fragment, "/" for an empty path.
func urlKey(u *url.URL) string {
	k := *u
	k.Scheme = strings.ToLower(k.Scheme)
	k.Host = strings.ToLower(k.Host)
	if p := k.Port(); (p == "80" && k.Scheme == "http") || (p == "443" && k.Scheme == "https") {
		k.Host = strings.TrimSuffix(k.Host, ":"+p)
	}
	if k.Path == "" && k.Scheme != "file" {
		k.Path = "/"
	}
	k.Fragment, k.RawFragment = "", ""
	return k.String()
}

// redactLink is a link's text as logs and results may show it: user
// information before the host (user:password@) is replaced, even when the
// rest does not parse as a URL.
func redactLink(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "//")
	if !ok {
		return raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		rest = "redacted@" + rest[at+1:]
	}
	return scheme + "//" + rest
}
