package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/portsift/portsift/decode/vocab"
)

// Sentinel errors of ReadReport; test for them with errors.Is.
var (
	// ErrNotReport: the input is not JSON, or not a portsift report (no
	// "schema" field naming portsift.report).
	ErrNotReport = errors.New("not a portsift report")

	// ErrNewerSchema: the report was written by a newer portsift, in a
	// schema version this one cannot read.
	ErrNewerSchema = errors.New("newer report schema")
)

// schemaPrefix and schemaVersion split Schema ("portsift.report/v1").
const (
	schemaPrefix  = "portsift.report/v"
	schemaVersion = 1
)

// ReadReport reads one JSON report, as written by WriteJSON (`portsift read
// -o json`). It checks the schema: portsift.report/v1 (or an older version,
// none exists yet) is accepted, fields it does not know are ignored (v1
// only adds fields); a newer version is refused with ErrNewerSchema, and
// anything else with ErrNotReport. Lists and maps absent from the input are
// made empty, so that WriteJSON(ReadReport(WriteJSON(r))) gives the same
// bytes as WriteJSON(r).
func ReadReport(r io.Reader) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(maxReportSize)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxReportSize {
		return nil, fmt.Errorf("%w: larger than %d MiB", ErrNotReport, maxReportSize>>20)
	}
	// The schema is checked first, so that a newer report fails on its
	// version rather than on a field whose type changed.
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrNotReport)
	}
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotReport, jsonError(data, err))
	}
	if head.Schema == nil {
		return nil, fmt.Errorf("%w: no \"schema\" field", ErrNotReport)
	}
	v, ok := strings.CutPrefix(*head.Schema, schemaPrefix)
	n, err := strconv.Atoi(v)
	if !ok || err != nil || n < 1 {
		return nil, fmt.Errorf("%w: schema %q (want %s)", ErrNotReport, *head.Schema, Schema)
	}
	if n > schemaVersion {
		return nil, &sentinelError{fmt.Sprintf("report schema %s is newer than this portsift reads (%s); upgrade portsift", *head.Schema, Schema), ErrNewerSchema}
	}
	// The times are checked here, where their field names are known (an
	// error of Time.UnmarshalText does not say which field it was).
	var times struct {
		First string `json:"first"`
		Last  string `json:"last"`
	}
	if err := json.Unmarshal(data, &times); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotReport, jsonError(data, err))
	}
	if (times.First == "") != (times.Last == "") {
		return nil, fmt.Errorf("%w: \"first\" is %q but \"last\" is %q: both or neither", ErrNotReport, times.First, times.Last)
	}
	for _, f := range []struct{ name, v string }{{"first", times.First}, {"last", times.Last}} {
		if _, err := ParseTime(f.v); err != nil {
			return nil, fmt.Errorf("%w: field %s: %v", ErrNotReport, f.name, err)
		}
	}
	rep := new(Report)
	if err := json.Unmarshal(data, rep); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotReport, jsonError(data, err))
	}
	rep.Schema = Schema
	for i := range rep.Services {
		if rep.Services[i].Proto == 0 {
			return nil, fmt.Errorf("%w: services[%d] has no \"proto\"", ErrNotReport, i)
		}
	}
	for i := range rep.Alerts {
		if rep.Alerts[i].Proto == 0 {
			return nil, fmt.Errorf("%w: alerts[%d] has no \"proto\"", ErrNotReport, i)
		}
	}
	rep.normalize()
	return rep, nil
}

// maxReportSize bounds what ReadReport reads: the largest report (every
// port of three protocols a service, each with an alert) is under 100 MiB.
// A variable so that a test can lower it.
var maxReportSize = 256 << 20

// sentinelError has its own message and unwraps to a sentinel.
type sentinelError struct {
	msg      string
	sentinel error
}

func (e *sentinelError) Error() string { return e.msg }
func (e *sentinelError) Unwrap() error { return e.sentinel }

// ReadReportFile is ReadReport of the named file; errors name the file.
func ReadReportFile(name string) (*Report, error) {
	f, err := os.Open(name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("open %q: %w", name, err)
	}
	defer f.Close()
	rep, err := ReadReport(f)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	return rep, nil
}

// jsonError says where decoding failed, in one line.
func jsonError(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Sprintf("invalid JSON at line %d: %s", line, se.Error())
	case errors.As(err, &te):
		if te.Field == "" {
			return fmt.Sprintf("the input is a JSON %s, not an object", te.Value)
		}
		return fmt.Sprintf("field %s: JSON %s where %s was expected", te.Field, te.Value, te.Type)
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// normalize makes absent lists and maps empty, as Tracker.Report makes them.
func (r *Report) normalize() {
	empty := func(l *[]TypeCount) {
		if *l == nil {
			*l = []TypeCount{}
		}
	}
	if r.Sources == nil {
		r.Sources = []SourceInfo{}
	}
	for i := range r.Sources {
		if r.Sources[i].LinkTypes == nil {
			r.Sources[i].LinkTypes = []vocab.LinkType{}
		}
	}
	empty(&r.LinkTypes)
	empty(&r.NonIP)
	empty(&r.OtherIP)
	if r.Services == nil {
		r.Services = []Service{}
	}
	if r.Alerts == nil {
		r.Alerts = []Alert{}
	}
	for i := range r.Alerts {
		if r.Alerts[i].Hosts == nil {
			r.Alerts[i].Hosts = []string{}
		}
	}
	if r.Flows.ByReason == nil {
		r.Flows.ByReason = map[string]uint64{}
	}
}

// WriteJSON writes r as indented JSON followed by a newline. The output is
// deterministic: equal reports give equal bytes.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
