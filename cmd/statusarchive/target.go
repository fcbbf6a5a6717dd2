package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// target turns what the user typed into a URL the scraper takes: a URL as
// it is, an existing file as a path, and a bare host name
// ("status.workos.com") as https.
func target(arg string) string {
	if strings.Contains(arg, "://") {
		return arg
	}
	if _, err := os.Stat(arg); err == nil {
		return arg
	}
	host, _, _ := strings.Cut(arg, "/")
	if strings.Contains(host, ".") && !strings.HasPrefix(arg, ".") && !strings.ContainsAny(host, `\`) {
		return "https://" + arg
	}
	return arg
}

// sourceName derives a source name from a start URL or path when none is
// given: the host (with its port) for a URL, the file name for a path.
func sourceName(target string) string {
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		return strings.TrimPrefix(strings.ToLower(u.Host), "www.")
	}
	base := filepath.Base(strings.TrimPrefix(target, "file://"))
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// checkTarget refuses, before anything is fetched or written, a start the
// scraper cannot read or must not be given: a scheme other than http,
// https or file (javascript:, data:, ...), a URL carrying credentials
// (they would be sent and then stored in every incident URL), a local
// file that does not exist, and a directory. arg is what the user typed;
// t is target(arg). The messages never repeat a password.
func checkTarget(arg, t string) error {
	path := t
	if u, err := url.Parse(t); err == nil && len(u.Scheme) > 1 {
		switch strings.ToLower(u.Scheme) {
		case "http", "https":
			if u.User != nil {
				u.User = nil
				return &usageError{msg: fmt.Sprintf("%s: the URL carries credentials (user:password@ before the host); statusarchive neither sends nor stores them: give the URL without them", safeShort(u.String()))}
			}
			return nil
		case "file":
			path = u.Path
		default:
			if u.Opaque != "" && u.Opaque[0] >= '0' && u.Opaque[0] <= '9' {
				return &usageError{msg: fmt.Sprintf("%q: a host and port without a scheme: give http://%s or https://%s", safeShort(arg), safeShort(arg), safeShort(arg))}
			}
			return &usageError{msg: fmt.Sprintf("%q: a %s: URL is neither a web page nor a file: give an http(s) URL or a local file", safeShort(arg), strings.ToLower(u.Scheme))}
		}
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("scrape %s: no such file (for a web page, give its http:// or https:// URL)", safeShort(arg))
	case err != nil:
		return fmt.Errorf("scrape %s: %w", safeShort(arg), err)
	case fi.IsDir():
		return fmt.Errorf("scrape %s: it is a directory: give one file of it (a status page, a feed or a JSON file), each as its own source", safeShort(arg))
	}
	return nil
}

// safeShort is a user's argument fit for an error line: escaped and cut.
func safeShort(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return safe(s)
}
