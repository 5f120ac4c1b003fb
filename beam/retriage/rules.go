package retriage

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"testing/fstest"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// maxRulesBytes bounds the rule files a pipeline carries: they travel
// inside every DoFn, so a directory of something else should fail early.
const maxRulesBytes = 16 << 20

// Rules is a rule set as data: its files by slash-separated path, and the
// directory they came from ("" for the embedded rule set), which names
// the rule files in evaluation errors as redflag check does. A Rules value
// is serialized into the DoFns that use it, so every worker loads the same
// files, wherever it runs.
type Rules struct {
	Files map[string][]byte `json:"files"`
	Dir   string            `json:"dir,omitempty"`
}

// EmbeddedRules is the rule set built into redflag (rules.FS).
func EmbeddedRules() (Rules, error) {
	files, err := readFS(rules.FS)
	return Rules{Files: files}, err
}

// ReadRules reads the rule set in dir, every regular file under it.
func ReadRules(dir string) (Rules, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return Rules{}, err
	}
	if !st.IsDir() {
		return Rules{}, fmt.Errorf("%s: not a directory", dir)
	}
	files, err := readFS(os.DirFS(dir))
	if err != nil {
		return Rules{}, fmt.Errorf("%s: %w", dir, err)
	}
	return Rules{Files: files, Dir: dir}, nil
}

func readFS(fsys fs.FS) (map[string][]byte, error) {
	files := map[string][]byte{}
	total := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		total += len(data)
		if total > maxRulesBytes {
			return fmt.Errorf("the rule files are over %d bytes: is this a rule set?", maxRulesBytes)
		}
		files[path.Clean(p)] = data
		return nil
	})
	return files, err
}

// Load builds the engine from the files, as triage.Load does from the
// directory they came from.
func (r Rules) Load() (*triage.Engine, error) {
	m := make(fstest.MapFS, len(r.Files))
	for name, data := range r.Files {
		m[name] = &fstest.MapFile{Data: data, Mode: 0o444}
	}
	return triage.Load(m)
}
