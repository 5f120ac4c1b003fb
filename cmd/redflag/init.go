package main

import (
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/redflagkit/redflag/schema"
	"github.com/redflagkit/redflag/triage"
)

//go:embed initdata/rules.yaml initdata/rules_test.yaml
var initData embed.FS

const initUsage = `Usage: redflag init DIR

Writes a small example rule set into DIR, creating DIR if needed, to start
your own from: rules.yaml (a header, a source, questions of each type, a
follow-up, referral and caution rules, self-care guidance), its test cases
in rules_test.yaml, and the JSON Schemas in DIR/.schema, which the files'
first lines point editors at. It passes redflag lint, redflag test and
redflag test --mutate --min-coverage 100 as written. Its content is an
example, not clinical advice: replace it.

It never overwrites a file: if any of them exists, it writes nothing.

Exit codes: 0 written, 2 a file exists or DIR cannot be written.
`

// initFile is one file redflag init writes: name within DIR, and content.
type initFile struct {
	name string
	data []byte
}

// initFiles returns the files of a new rule set.
func initFiles() ([]initFile, error) {
	var out []initFile
	for _, f := range []struct {
		fsys      fs.FS
		src, name string
	}{
		{initData, "initdata/rules.yaml", "rules.yaml"},
		{initData, "initdata/rules_test.yaml", "rules_test.yaml"},
		{schema.FS, "rules.schema.json", filepath.Join(".schema", "rules.schema.json")},
		{schema.FS, "tests.schema.json", filepath.Join(".schema", "tests.schema.json")},
	} {
		data, err := fs.ReadFile(f.fsys, f.src)
		if err != nil {
			return nil, err
		}
		out = append(out, initFile{f.name, data})
	}
	return out, nil
}

// initRules is "redflag init".
func initRules(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("redflag init", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, initUsage) }
	positional, exit, ok := parseArgs(fset, args)
	if !ok {
		return exit
	}
	if len(positional) != 1 {
		fmt.Fprintf(stderr, "redflag init: want one directory to write the rule set into, got %d\n\n%s", len(positional), initUsage)
		return exitBadInput
	}
	dir := positional[0]
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		fmt.Fprintf(stderr, "redflag init: %s is not a directory\n", printable(dir))
		return exitBadInput
	}
	files, err := initFiles()
	if err != nil {
		fmt.Fprintf(stderr, "redflag init: %s\n", printable(err.Error()))
		return exitFailure
	}
	if existing := existingFiles(dir, files); len(existing) > 0 {
		fmt.Fprintf(stderr, "redflag init: %s already holds files redflag init would write, so nothing was written:\n", printable(dir))
		for _, p := range existing {
			fmt.Fprintf(stderr, "  %s\n", printable(p))
		}
		fmt.Fprintln(stderr, "Choose a new directory, or move these files away first.")
		return exitBadInput
	}
	for _, f := range files {
		if err := writeNew(filepath.Join(dir, f.name), f.data); err != nil {
			fmt.Fprintf(stderr, "redflag init: %s\n", printable(err.Error()))
			return exitBadInput
		}
	}
	fmt.Fprintf(stdout, `redflag init: wrote an example rule set to %[1]s:
  rules.yaml          the rules: a header, a source, questions, rules, self-care guidance
  rules_test.yaml     its test cases
  .schema/            JSON Schemas, for editors that read the files' first line

It is an example, not clinical advice: replace its questions, rules and
source with ones your clinicians have written and reviewed. Then run:

  redflag lint %[1]s
  redflag test --mutate --min-coverage 100 %[1]s
  redflag ask --rules %[1]s

%[2]s
`, printable(dir), triage.Disclaimer)
	return exitSelfCare
}

// existingFiles lists the files of files that already exist in dir (or
// that cannot be checked), as the user names them.
func existingFiles(dir string, files []initFile) []string {
	var out []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			out = append(out, p)
		}
	}
	return out
}

// writeNew creates the file p, and its directory, with data; it fails if
// p exists.
func writeNew(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
