package report

import (
	"fmt"
	"time"
)

// Time is a packet timestamp in a report, in UTC with nanoseconds. In JSON
// it is RFC 3339 ("2026-01-02T03:04:05.123456789Z"); the zero Time, a
// report with no frame, is "".
type Time struct{ t time.Time }

// TimeOf returns the Time of t, in UTC.
func TimeOf(t time.Time) Time { return Time{t.UTC()} }

// UnixTime returns the Time ns nanoseconds after the Unix epoch.
func UnixTime(ns int64) Time { return Time{time.Unix(0, ns).UTC()} }

// Time returns t as a time.Time (the zero time.Time for the zero Time).
func (t Time) Time() time.Time { return t.t }

// IsZero reports whether t is the zero Time: no frame was counted.
func (t Time) IsZero() bool { return t.t.IsZero() }

// Compare returns -1, 0 or +1 as t is before, equal to or after u.
func (t Time) Compare(u Time) int { return t.t.Compare(u.t) }

// String returns t in RFC 3339 with nanoseconds, "" for the zero Time.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.t.Format(time.RFC3339Nano)
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (t Time) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// ParseTime parses the String form: "" (the zero Time) or an RFC 3339
// time in any zone (kept in UTC).
func ParseTime(s string) (Time, error) {
	if s == "" {
		return Time{}, nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	return TimeOf(v), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseTime.
func (t *Time) UnmarshalText(b []byte) (err error) {
	*t, err = ParseTime(string(b))
	return err
}
