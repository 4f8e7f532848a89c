package cli

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
)

// TestSchemaDocumented checks that every JSON field of the report and of the
// flow log is described in docs/report.md.
func TestSchemaDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/report.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Slice || ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Map {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] {
			return
		}
		seen[ty] = true
		for i := 0; i < ty.NumField(); i++ {
			f := ty.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(string(doc), "`"+name+"`") {
				t.Errorf("docs/report.md does not describe %s.%s (`%s`)", ty.Name(), f.Name, name)
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(report.Report{}))
	for _, c := range render.FlowColumns {
		if !strings.Contains(string(doc), "`"+c+"`") {
			t.Errorf("docs/report.md does not describe flow column `%s`", c)
		}
	}
}
