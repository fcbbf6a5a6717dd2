package parser

import (
	"bytes"
	"fmt"
	"mime"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The charset a document is decoded from is decided, first match wins:
//
//  1. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE);
//  2. the charset parameter of the response's Content-Type, except for a
//     local file, whose content type is only guessed from its name;
//  3. the encoding of an XML declaration (<?xml ... encoding="..."?>);
//  4. an HTML <meta charset> or <meta http-equiv="Content-Type"> in the
//     first 1024 bytes, as browsers look for it;
//  5. otherwise the body is taken as UTF-8, as it is.
//
// Names are looked up as the WHATWG Encoding Standard does, so ISO-8859-1
// reads as windows-1252 (a superset) and Shift_JIS, EUC-JP, GBK and the
// other labels browsers know are all understood.

// decodeCharset returns doc with its body in UTF-8 and, when it was
// converted, a Content-Type that says so. An XML declaration naming
// another encoding is rewritten to name UTF-8, so that XML decoders read
// the converted body as it now is. A charset nobody knows is an error: the
// bytes would otherwise be read as something they are not.
func decodeCharset(doc Document) (Document, error) {
	enc, name, err := documentEncoding(doc)
	if err != nil {
		return doc, err
	}
	if enc == nil {
		return doc, nil
	}
	body, _, err := transform.Bytes(enc.NewDecoder(), doc.Body)
	if err != nil {
		return doc, fmt.Errorf("%w: decode %s: %w", ErrCharset, name, err)
	}
	doc.Body = utf8XMLDecl(body)
	doc.ContentType = withUTF8(doc.ContentType)
	return doc, nil
}

// documentEncoding returns the encoding doc's body is in and its name, or
// a nil encoding when the body is UTF-8 already (or says nothing).
func documentEncoding(doc Document) (encoding.Encoding, string, error) {
	body := doc.Body
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return unicode.UTF8BOM, "utf-8 with BOM", nil
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le", nil
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be", nil
	}
	label := ""
	if !isLocalFile(doc.URL) {
		if _, params, err := mime.ParseMediaType(doc.ContentType); err == nil {
			label = params["charset"]
		}
	}
	if label == "" {
		label = xmlDeclEncoding(body)
	}
	if label == "" {
		label = htmlMetaCharset(body)
	}
	if label == "" {
		return nil, "", nil
	}
	enc, name := charset.Lookup(label)
	if enc == nil {
		return nil, "", fmt.Errorf("%w: unknown charset %q", ErrCharset, label)
	}
	if name == "utf-8" {
		return nil, name, nil
	}
	return enc, name, nil
}

// isLocalFile reports whether raw is a file: URL, whose Content-Type the
// file transport made up from the file's extension.
func isLocalFile(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "file"
}

// xmlDeclEncoding returns the encoding an XML declaration at the start of
// body names, or "".
func xmlDeclEncoding(body []byte) string {
	decl, ok := xmlDecl(body)
	if !ok {
		return ""
	}
	tag := append([]byte("<x "), decl[len("<?xml"):len(decl)-2]...)
	z := html.NewTokenizer(bytes.NewReader(append(tag, '>')))
	z.Next()
	for {
		key, val, more := z.TagAttr()
		if string(key) == "encoding" {
			return strings.TrimSpace(string(val))
		}
		if !more {
			return ""
		}
	}
}

// xmlDecl returns the XML declaration body starts with (after white
// space), "<?xml ... ?>" included.
func xmlDecl(body []byte) ([]byte, bool) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if !bytes.HasPrefix(trimmed, []byte("<?xml")) || len(trimmed) < 6 || !isXMLSpace(trimmed[5]) {
		return nil, false
	}
	end := bytes.Index(trimmed, []byte("?>"))
	if end < 0 || end > 512 {
		return nil, false
	}
	return trimmed[:end+2], true
}

func isXMLSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// utf8XMLDecl replaces the encoding an XML declaration names with UTF-8.
func utf8XMLDecl(body []byte) []byte {
	decl, ok := xmlDecl(body)
	if !ok || xmlDeclEncoding(body) == "" {
		return body
	}
	start := bytes.Index(body, decl)
	out := make([]byte, 0, len(body))
	out = append(out, body[:start]...)
	out = append(out, `<?xml version="1.0" encoding="UTF-8"?>`...)
	return append(out, body[start+len(decl):]...)
}

// htmlMetaCharset returns the charset a <meta> element in the first 1024
// bytes of body declares, or "".
func htmlMetaCharset(body []byte) string {
	head := body
	if len(head) > 1024 {
		head = head[:1024]
	}
	z := html.NewTokenizer(bytes.NewReader(head))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "meta" || !hasAttr {
				continue
			}
			var cs, httpEquiv, content string
			for more := true; more; {
				var key, val []byte
				key, val, more = z.TagAttr()
				switch string(key) {
				case "charset":
					cs = string(val)
				case "http-equiv":
					httpEquiv = strings.ToLower(string(val))
				case "content":
					content = string(val)
				}
			}
			if cs = strings.TrimSpace(cs); cs != "" {
				return cs
			}
			if httpEquiv == "content-type" {
				if _, params, err := mime.ParseMediaType(content); err == nil && params["charset"] != "" {
					return params["charset"]
				}
			}
		}
	}
}

// withUTF8 returns a Content-Type like ct whose charset is utf-8.
func withUTF8(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	if _, ok := params["charset"]; !ok {
		return ct
	}
	params["charset"] = "utf-8"
	return mime.FormatMediaType(mt, params)
}
