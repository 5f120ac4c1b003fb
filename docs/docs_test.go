// Package docs_test keeps every code block and sample output in the
// project's Markdown files tied to something that is checked, so that no
// block can rot unseen. See CONTRIBUTING.md, "Documentation".
package docs_test

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/triagetest"
)

var update = flag.Bool("update", false, "rewrite the blocks that copy a source of truth (example, output, quickstart, func, golden) from that source")

// root is the repository root, relative to this package.
const root = ".."

// modulePath is the module the docs' go install and go get lines name.
const modulePath = "github.com/redflagkit/redflag"

// docFiles are the Markdown files whose blocks are checked: every *.md in
// the repository, outside hidden directories, testdata and node_modules
// (npm ci installs the browser test's axe-core, with its own README, there).
func docFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, files, "README.md")
	return files
}

// block is one fenced code block and the marker on the line before it.
type block struct {
	file        string // relative to the repository root
	line        int    // of the opening fence
	lang        string // the fence's info string
	kind, arg   string // from <!-- kind: arg -->
	text        string // the content, each line ending in "\n"
	markerFound bool
}

func (b block) String() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

// fixes are the blocks -update rewrites, by file, then by fence line.
var fixes = map[string]map[int]string{}

// expectBlock checks that b holds want, or with -update records that it
// should.
func expectBlock(t *testing.T, b block, want, msg string) {
	t.Helper()
	if *update && want != b.text {
		if fixes[b.file] == nil {
			fixes[b.file] = map[int]string{}
		}
		fixes[b.file][b.line] = want
		return
	}
	assert.Equal(t, want, b.text, "%s", msg)
}

// applyFixes rewrites the blocks of file recorded by expectBlock.
func applyFixes(t *testing.T, file string) {
	t.Helper()
	if len(fixes[file]) == 0 {
		return
	}
	data, err := os.ReadFile(filepath.Join(root, file))
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	var out strings.Builder
	for i := 0; i < len(lines); i++ {
		out.WriteString(lines[i])
		want, ok := fixes[file][i+1]
		if !ok {
			continue
		}
		fence := strings.TrimSpace(lines[i])
		fence = fence[:len(fence)-len(strings.TrimLeft(fence, "`"))]
		for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != fence {
			i++
		}
		out.WriteString(want)
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, file), []byte(out.String()), 0o644))
	t.Logf("%s: rewrote %d blocks", file, len(fixes[file]))
}

var markerRE = regexp.MustCompile(`^<!--\s*([a-z-]+):?\s*(.*?)\s*-->$`)

// blocks returns the fenced code blocks of a Markdown file.
func blocks(t *testing.T, file string) []block {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, file))
	require.NoError(t, err)
	var (
		out   []block
		cur   *block
		fence string
		prev  string
	)
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(strings.TrimSpace(line), "```"):
			trimmed := strings.TrimSpace(line)
			fence = trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
			cur = &block{file: file, line: n, lang: strings.TrimSpace(trimmed[len(fence):])}
			if m := markerRE.FindStringSubmatch(strings.TrimSpace(prev)); m != nil {
				cur.kind, cur.arg, cur.markerFound = m[1], m[2], true
			}
		case cur != nil && strings.TrimSpace(line) == fence:
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
		prev = line
	}
	require.NoError(t, sc.Err())
	require.Nil(t, cur, "%s: a code block is never closed", file)
	return out
}

// TestDocBlocks checks every fenced block of every Markdown file against
// the marker on the line before it.
func TestDocBlocks(t *testing.T) {
	for _, file := range docFiles(t) {
		t.Run(file, func(t *testing.T) {
			sets := map[string]*ruleSet{}
			var setOrder []string
			for _, b := range blocks(t, file) {
				if !b.markerFound {
					t.Errorf("%s: a ```%s block without a marker; put <!-- kind: arg --> on the line before it (see docs/docs_test.go)", b, b.lang)
					continue
				}
				switch b.kind {
				case "quickstart":
					checkExample(t, b, "triage Example")
				case "example":
					checkExample(t, b, b.arg)
				case "output":
					checkOutput(t, b)
				case "func":
					checkFunc(t, b)
				case "golden":
					checkGolden(t, b)
				case "excerpt":
					checkExcerpt(t, b)
				case "rules", "rules-error", "tests", "errors":
					name, _, _ := strings.Cut(b.arg, "/")
					if sets[name] == nil {
						sets[name] = &ruleSet{name: name, files: fstest.MapFS{}}
						setOrder = append(setOrder, name)
					}
					sets[name].add(t, b)
				case "sh":
					checkShell(t, b)
				default:
					t.Errorf("%s: unknown marker %q", b, b.kind)
				}
			}
			for _, name := range setOrder {
				sets[name].check(t)
			}
			applyFixes(t, file)
		})
	}
}

// goFunc finds a top-level function in the Go files of dir (relative to
// the repository root) and returns its source and its file's bytes.
func goFunc(t *testing.T, dir, name string) (*ast.FuncDecl, []byte, *token.FileSet) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		af, err := parser.ParseFile(fset, f, src, parser.ParseComments)
		require.NoError(t, err)
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
				return fd, src, fset
			}
		}
	}
	return nil, nil, nil
}

// exampleParts returns an Example function's body, without its Output
// comment and one tab less indented, and the output it promises.
func exampleParts(t *testing.T, b block, arg string) (body, output string, ok bool) {
	t.Helper()
	dir, name, found := strings.Cut(arg, " ")
	if !found || !strings.HasPrefix(name, "Example") {
		t.Errorf("%s: want <!-- example: DIR ExampleName -->, got %q", b, arg)
		return "", "", false
	}
	fd, src, fset := goFunc(t, dir, name)
	if fd == nil {
		t.Errorf("%s: no func %s in %s", b, name, dir)
		return "", "", false
	}
	text := string(src[fset.Position(fd.Body.Lbrace).Offset+2 : fset.Position(fd.Body.Rbrace).Offset])
	code, out, found := strings.Cut(text, "\t// Output:\n")
	if !found {
		t.Errorf("%s: %s has no // Output: comment, so go test does not check it", b, name)
		return "", "", false
	}
	return dedent(code, "\t"), dedent(out, "\t// ", "\t//"), true
}

// dedent strips the first matching prefix from every line.
func dedent(s string, prefixes ...string) string {
	var sb strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				line = strings.TrimPrefix(line, p)
				break
			}
		}
		sb.WriteString(line + "\n")
	}
	return sb.String()
}

// checkExample: the block is the body of an Example function whose
// output go test checks.
func checkExample(t *testing.T, b block, arg string) {
	if body, _, ok := exampleParts(t, b, arg); ok {
		expectBlock(t, b, body, fmt.Sprintf("%s: the block must be the body of %s (copy it from there, or run go test ./docs -update)", b, arg))
	}
}

// checkOutput: the block is the output an Example function promises.
func checkOutput(t *testing.T, b block) {
	if _, out, ok := exampleParts(t, b, b.arg); ok {
		expectBlock(t, b, out, fmt.Sprintf("%s: the block must be the // Output: of %s", b, b.arg))
	}
}

// checkFunc: the block is a whole function declaration from a Go file.
func checkFunc(t *testing.T, b block) {
	dir, name, _ := strings.Cut(b.arg, " ")
	fd, src, fset := goFunc(t, dir, name)
	if fd == nil {
		t.Errorf("%s: no func %s in %s", b, name, dir)
		return
	}
	want := string(src[fset.Position(fd.Type.Pos()).Offset:fset.Position(fd.End()).Offset]) + "\n"
	expectBlock(t, b, want, fmt.Sprintf("%s: the block must be func %s in %s", b, name, dir))
}

// checkGolden: the block is the whole of a file, usually a golden file that
// a test writes with -update.
func checkGolden(t *testing.T, b block) {
	want, err := os.ReadFile(filepath.Join(root, b.arg))
	if !assert.NoError(t, err, "%s", b) {
		return
	}
	expectBlock(t, b, string(want), fmt.Sprintf("%s: the block must be the content of %s; paste it again, or run go test ./docs -update", b, b.arg))
}

// checkExcerpt: the block is a run of whole lines of a file.
func checkExcerpt(t *testing.T, b block) {
	data, err := os.ReadFile(filepath.Join(root, b.arg))
	if !assert.NoError(t, err, "%s", b) {
		return
	}
	assert.Contains(t, "\n"+string(data), "\n"+b.text, "%s: the block must be whole lines copied from %s", b, b.arg)
}

// ruleSet gathers the rules, rules-error, tests and errors blocks that
// share a name in one Markdown file.
type ruleSet struct {
	name      string
	files     fstest.MapFS
	first     block
	wantFail  bool
	errBlocks []block
	tests     []block
	mutate    bool
}

func (s *ruleSet) add(t *testing.T, b block) {
	t.Helper()
	if s.first.file == "" {
		s.first = b
	}
	if b.kind == "errors" {
		s.errBlocks = append(s.errBlocks, b)
		return
	}
	spec, opt, _ := strings.Cut(b.arg, " ")
	_, name, ok := strings.Cut(spec, "/")
	if !ok || !strings.HasSuffix(name, ".yaml") {
		t.Errorf("%s: want <!-- %s: SET/FILE.yaml -->, got %q", b, b.kind, b.arg)
		return
	}
	if _, dup := s.files[name]; dup {
		t.Errorf("%s: %s is already in rule set %s", b, name, s.name)
	}
	s.files[name] = &fstest.MapFile{Data: []byte(b.text)}
	switch b.kind {
	case "rules-error":
		s.wantFail = true
	case "tests":
		s.tests = append(s.tests, b)
		s.mutate = s.mutate || opt == "mutate"
	}
}

// check loads the set: it must load (rules), or fail with exactly the
// errors shown (rules-error and errors), and its test-case files must pass.
func (s *ruleSet) check(t *testing.T) {
	t.Helper()
	eng, err := triage.Load(s.files)
	if s.wantFail {
		var list triage.ErrorList
		if !errors.As(err, &list) {
			t.Errorf("%s: rule set %s should fail to load, got %v", s.first, s.name, err)
			return
		}
		if len(s.errBlocks) == 0 {
			t.Errorf("%s: rule set %s fails to load, but no <!-- errors: %s --> block shows how", s.first, s.name, s.name)
		}
		for _, b := range s.errBlocks {
			assert.Equal(t, list.ErrorsWithSnippets(), b.text, "%s: the block must be what Load reports for %s", b, s.name)
		}
		return
	}
	if err != nil {
		var list triage.ErrorList
		if errors.As(err, &list) {
			err = errors.New(list.ErrorsWithSnippets())
		}
		t.Errorf("%s: rule set %s does not load:\n%v", s.first, s.name, err)
		return
	}
	for _, b := range s.errBlocks {
		t.Errorf("%s: rule set %s loads, so it has no errors to show", b, s.name)
	}
	if len(s.tests) == 0 {
		return
	}
	var opts []triagetest.Option
	if s.mutate {
		opts = append(opts, triagetest.WithMutation())
	}
	rep, err := triagetest.Verify(context.Background(), eng, s.files, opts...)
	if !assert.NoError(t, err, "%s: the test cases of %s do not load", s.tests[0], s.name) {
		return
	}
	assert.True(t, rep.OK(), "%s: the test cases of %s fail:\n%s", s.tests[0], s.name, strings.Join(rep.Failures(), "\n"))
}

// cliFlags are the flags the redflag command defines, read from its source.
func cliFlags(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "cmd", "redflag", "*.go"))
	require.NoError(t, err)
	re := regexp.MustCompile(`fset\.(?:(?:String|Bool|Float64|Int|Duration|Func)\(|(?:String|Bool)Var\([^,]+, )"([a-z-]+)"`)
	flags := map[string]bool{"h": true, "help": true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			flags[m[1]] = true
		}
	}
	return flags
}

var redflagCommands = []string{"check", "ask", "diff", "test", "lint", "init", "serve", "help"}

// checkShell: every command in the block is a real one. Packages, files
// and directories it names exist, redflag subcommands and flags exist.
func checkShell(t *testing.T, b block) {
	base := root
	if d, ok := strings.CutPrefix(b.arg, "dir="); ok {
		base = filepath.Join(root, d)
	}
	flags := cliFlags(t)
	for i, line := range strings.Split(strings.TrimRight(b.text, "\n"), "\n") {
		where := fmt.Sprintf("%s:%d", b.file, b.line+1+i)
		if c, _, ok := strings.Cut(line, " #"); ok {
			line = c
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") || strings.TrimSpace(line) == "" {
			continue
		}
		for _, seg := range segments(strings.Fields(line)) {
			base = checkCommand(t, where, base, seg, flags)
		}
	}
}

// segments splits a command line at &&, ||, | and ;, and drops
// redirections.
func segments(fields []string) [][]string {
	var out [][]string
	var cur []string
	skip := false
	for _, f := range fields {
		switch {
		case skip:
			skip = false
		case f == "&&" || f == "||" || f == "|" || f == ";":
			out, cur = append(out, cur), nil
		case f == ">" || f == "<" || f == "2>" || f == ">>":
			skip = true
		case strings.HasPrefix(f, ">") || strings.HasPrefix(f, "2>") || strings.HasPrefix(f, "<"):
		default:
			cur = append(cur, f)
		}
	}
	return append(out, cur)
}

// checkCommand checks one simple command and returns the directory the
// next one runs in.
func checkCommand(t *testing.T, where, base string, args []string, flags map[string]bool) string {
	for len(args) > 0 && (strings.Contains(args[0], "=") || args[0] == "time") {
		args = args[1:] // VAR=value and time prefixes
	}
	if len(args) == 0 {
		return base
	}
	exists := func(p string) {
		if _, err := os.Stat(filepath.Join(base, p)); err != nil {
			t.Errorf("%s: %s names %s, which does not exist", where, args[0], p)
		}
	}
	switch cmd := args[0]; {
	case cmd == "cd":
		exists(args[1])
		return filepath.Join(base, args[1])
	case cmd == "go":
		checkGo(t, where, args, exists, flags)
	case cmd == "redflag" || strings.HasSuffix(cmd, "/redflag"):
		checkRedflag(t, where, args[1:], exists, flags)
	case strings.HasPrefix(cmd, "./") || strings.HasPrefix(cmd, ".ci/"):
		exists(cmd)
	case slices.Contains([]string{"printf", "curl", "gofmt", "staticcheck", "git", "apt-get", "npm"}, cmd):
	default:
		t.Errorf("%s: unknown command %q; add it to checkCommand in docs/docs_test.go if it is real", where, cmd)
	}
	return base
}

func checkGo(t *testing.T, where string, args []string, exists func(string), flags map[string]bool) {
	if len(args) < 2 {
		t.Errorf("%s: go without a subcommand", where)
		return
	}
	switch args[1] {
	case "run":
		for i, a := range args[2:] {
			if strings.Contains(a, "@") && !strings.HasPrefix(a, "-") {
				return // a tool at a version, such as staticcheck@latest
			}
			if strings.HasPrefix(a, "./") {
				exists(a)
				if path.Clean(a) == "cmd/redflag" {
					checkRedflag(t, where, args[2+i+1:], exists, flags)
				}
				return
			}
		}
	case "test", "build", "vet":
		for _, a := range args[2:] {
			if strings.HasPrefix(a, "./") {
				exists(strings.TrimSuffix(strings.TrimSuffix(a, "..."), "/"))
			}
		}
	case "install", "get":
		p := args[len(args)-1]
		p, _, _ = strings.Cut(p, "@")
		rest, ok := strings.CutPrefix(p, modulePath)
		if !ok {
			t.Errorf("%s: go %s of %s, not of this module", where, args[1], p)
			return
		}
		exists("." + rest)
	case "mod", "tool", "env", "version", "generate":
	default:
		t.Errorf("%s: unknown go subcommand %q", where, args[1])
	}
}

// checkRedflag checks the arguments of a redflag command line, which may
// be a synopsis with [optional] parts, alternatives and placeholders.
func checkRedflag(t *testing.T, where string, args []string, exists func(string), flags map[string]bool) {
	if len(args) == 0 {
		return
	}
	if !slices.Contains(redflagCommands, args[0]) {
		t.Errorf("%s: redflag has no command %q", where, args[0])
	}
	for _, a := range args[1:] {
		for _, alt := range strings.Split(strings.Trim(a, "[]"), "|") {
			switch {
			case strings.HasPrefix(alt, "-") && alt != "-":
				name, _, _ := strings.Cut(strings.TrimLeft(alt, "-"), "=")
				if !flags[name] {
					t.Errorf("%s: redflag has no flag %q", where, alt)
				}
			case strings.Contains(alt, "/") && !strings.HasPrefix(alt, "/tmp/"):
				exists(alt)
			}
		}
	}
}

// qualifiedRE finds package-qualified names in a Markdown file's prose.
var qualifiedRE = regexp.MustCompile("`[^`]*\\b(triage|triagetest)\\.([A-Z][A-Za-z0-9]*)")

// TestDocNamesExist checks that every triage.Name and triagetest.Name the
// prose mentions in `code` is exported by that package, so that a renamed
// or removed name cannot linger in the docs.
func TestDocNamesExist(t *testing.T) {
	exported := map[string]map[string]bool{
		"triage":     exportedNames(t, "triage"),
		"triagetest": exportedNames(t, "triage/triagetest"),
	}
	for _, file := range docFiles(t) {
		if file == "CHANGELOG.md" {
			continue // it names what was removed
		}
		data, err := os.ReadFile(filepath.Join(root, file))
		require.NoError(t, err)
		inFence := false
		for n, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				inFence = !inFence
			}
			if inFence {
				continue // code blocks are compiled or checked by TestDocBlocks
			}
			for _, m := range qualifiedRE.FindAllStringSubmatch(line, -1) {
				if !exported[m[1]][m[2]] {
					t.Errorf("%s:%d: %s.%s is not an exported name of package %s", file, n+1, m[1], m[2], m[1])
				}
			}
		}
	}
}

// exportedNames lists the exported top-level names of the package in dir.
func exportedNames(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	require.NoError(t, err)
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						names[s.Name.Name] = s.Name.IsExported()
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names[n.Name] = n.IsExported()
						}
					}
				}
			}
		}
	}
	return names
}

// TestReadmeGoVersion keeps the Go version the README asks for equal to
// the go directive in go.mod.
func TestReadmeGoVersion(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	require.NotNil(t, m, "go.mod has no go directive")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "Go "+string(m[1])+" or newer", "README.md must state the Go version go.mod requires")
}
