package slogrotate

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// readmeMaxSize is the most README.md may weigh: a page a newcomer reads
// in a few minutes. Depth goes to docs/.
const readmeMaxSize = 16 << 10

// TestReadme keeps README.md true to the package: every exported option
// (a function named With... that returns Option) has a row in the options
// table, the table names no option that does not exist, the page stays
// under readmeMaxSize, and it carries the install line and the test
// command that .ci/run runs.
func TestReadme(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)

	if len(data) > readmeMaxSize {
		t.Errorf("README.md is %d bytes, over the limit of %d: move depth to docs/", len(data), readmeMaxSize)
	}
	for _, line := range []string{
		"go get github.com/slogrotate/slogrotate",
		"go test -race -count=1 ./...",
	} {
		if !hasLine(readme, line) {
			t.Errorf("README.md has no line %q", line)
		}
	}

	options := exportedOptions(t, ".")
	if len(options) == 0 {
		t.Fatal("found no exported option function (func With...(...) Option) in the package")
	}
	rows, err := optionsTable(readme)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range options {
		if !rows[name] {
			t.Errorf("option %s has no row in the README's options table (the first cell of a row under \"## Options\" must name it, as `%s(...)`)", name, name)
		}
	}
	exists := map[string]bool{}
	for _, name := range options {
		exists[name] = true
	}
	var stale []string
	for name := range rows {
		if !exists[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	for _, name := range stale {
		t.Errorf("the README's options table names %s, which the package does not export", name)
	}
}

// hasLine reports whether text has a line that is want, leading and
// trailing blanks aside.
func hasLine(text, want string) bool {
	for line := range strings.Lines(text) {
		if strings.TrimSpace(line) == want {
			return true
		}
	}
	return false
}

// exportedOptions returns the names of the package-level functions named
// With... that return Option, from the non-test Go files of dir, whatever
// the platform the test runs on (build constraints are not applied: an
// option that exists on one platform only still needs its row).
func exportedOptions(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name != "slogrotate" {
			continue
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || !strings.HasPrefix(fn.Name.Name, "With") {
				continue
			}
			if returnsOption(fn.Type) {
				seen[fn.Name.Name] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func returnsOption(ft *ast.FuncType) bool {
	if ft.Results == nil || len(ft.Results.List) != 1 || len(ft.Results.List[0].Names) > 1 {
		return false
	}
	id, ok := ft.Results.List[0].Type.(*ast.Ident)
	return ok && id.Name == "Option"
}

var optionName = regexp.MustCompile(`\bWith(?:out)?[A-Z][A-Za-z0-9]*`)

// optionsTable returns the option names in the first cell of each row of
// the table under the README's "## Options" heading (up to the next
// heading of that level or above).
func optionsTable(readme string) (map[string]bool, error) {
	rows := map[string]bool{}
	in, found := false, false
	for line := range strings.Lines(readme) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			level := len(line) - len(strings.TrimLeft(line, "#"))
			if in && level <= 2 {
				break
			}
			if level == 2 && strings.TrimSpace(line[level:]) == "Options" {
				in, found = true, true
			}
			continue
		}
		if !in || !strings.HasPrefix(line, "|") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "|"), "|")
		for _, name := range optionName.FindAllString(first, -1) {
			rows[name] = true
		}
	}
	if !found {
		return nil, errOptionsHeading
	}
	return rows, nil
}

var errOptionsHeading = errors.New(`README.md has no "## Options" heading over the options table`)
