package reload

import (
	"github.com/redflagkit/redflag/triage"

	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readFS is a MapFS whose named files are opened with a scripted sequence
// of contents, one per Open, standing for a file rewritten in place between
// reads; once the script is used up, the MapFS content is read. A script
// entry may also lie about its size, as a file growing while it is read
// does. Stat answers from the MapFS without using up the script.
type readFS struct {
	fstest.MapFS
	mu     sync.Mutex
	script map[string][]scripted
}

type scripted struct {
	data string
	// grows makes the file's size move between the two Stat calls made
	// around reading it.
	grows bool
}

func (s *readFS) Open(name string) (fs.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.script[name]; len(q) > 0 {
		s.script[name] = q[1:]
		f, err := fstest.MapFS{name: {Data: []byte(q[0].data)}}.Open(name)
		if err != nil || !q[0].grows {
			return f, err
		}
		return &growingFile{File: f}, nil
	}
	return s.MapFS.Open(name)
}

func (s *readFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(s.MapFS, name) }

func (s *readFS) then(name string, steps ...scripted) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script[name] = append(s.script[name], steps...)
}

// growingFile reports one byte more at each Stat.
type growingFile struct {
	fs.File
	stats int64
}

type grownInfo struct {
	fs.FileInfo
	extra int64
}

func (i grownInfo) Size() int64 { return i.FileInfo.Size() + i.extra }

func (f *growingFile) Stat() (fs.FileInfo, error) {
	info, err := f.File.Stat()
	f.stats++
	return grownInfo{info, f.stats}, err
}

const readQuestions = `questions:
  - id: fever
    text: Fever?
    type: boolean
  - id: pain_days
    text: Days?
    type: integer
`

// readRules is a rule set whose first rule reads both questions and whose
// last refers on fever alone. Cut before the fever rule, as a reader
// catching an in-place save half-way may see it, it is still a valid rule
// set — one that says self-care for a fever.
func readRules(version string) (complete, cut string) {
	complete = `name: read
version: ` + version + `
title: Read rules
sources:
  - id: doc
    title: D
rules:
  - id: long_fever
    title: Long fever
    when: fever && pain_days > 100
    action: refer
    advice: A.
    cite: {source: doc, section: S}
  - id: fever
    title: Fever
    when: fever
    action: refer
    advice: A.
    cite: {source: doc, section: S}
`
	return complete, complete[:strings.Index(complete, "  - id: fever\n")]
}

func newReadFS(version string) *readFS {
	complete, _ := readRules(version)
	return &readFS{
		MapFS:  fstest.MapFS{"questions.yaml": {Data: []byte(readQuestions)}, "rules.yaml": {Data: []byte(complete)}},
		script: map[string][]scripted{},
	}
}

// requireServes checks that r serves exactly what a fresh triage.Load of the
// complete files gives, and that it refers a fever.
func requireServes(t *testing.T, r *Reloader, fsys fs.FS, msg string) {
	t.Helper()
	want, err := triage.Load(fsys)
	require.NoError(t, err)
	assert.Equal(t, want.RuleSet(), r.Engine().RuleSet(), msg)
	v, err := r.Engine().Evaluate(context.Background(), triage.Answers{"fever": true, "pain_days": 0})
	require.NoError(t, err)
	assert.Equal(t, triage.SeeProfessional, v.Outcome, "%s: a fever refers", msg)
}

func watchRead(t *testing.T, fsys fs.FS) *Reloader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	// A poll interval of an hour: only the test looks at the files.
	r, err := Watch(ctx, fsys, WithInterval(time.Hour))
	require.NoError(t, err)
	return r
}

// TestReloadLoadsWhatItRead replays the race of issue 9 item 2 without
// timing: the rule file reads complete, then cut short (an in-place save
// caught half-way), then complete again. A Reloader that hashed one read
// and loaded another served the cut rule set, a fever sent to self-care,
// for good; Reload must end on the complete file.
func TestReloadLoadsWhatItRead(t *testing.T) {
	fsys := newReadFS("1.0.0")
	r := watchRead(t, fsys)

	complete, cut := readRules("1.0.1")
	fsys.then("rules.yaml", scripted{data: complete}, scripted{data: cut}, scripted{data: complete})
	fsys.MapFS["rules.yaml"] = &fstest.MapFile{Data: []byte(complete)}
	for range 4 {
		_ = r.Reload() // each Reload loads the bytes it read, whichever they are
	}
	requireServes(t, r, fsys.MapFS, "Reload ends on the complete file")
}

// TestPollLoadsWhatItRead is the same race under polling: a poll that loads
// must load the bytes it compared, so that a later complete read is a change.
func TestPollLoadsWhatItRead(t *testing.T) {
	fsys := newReadFS("1.0.0")
	r := watchRead(t, fsys)

	complete, cut := readRules("1.0.1")
	fsys.then("rules.yaml", scripted{data: complete}, scripted{data: complete}, scripted{data: cut})
	fsys.MapFS["rules.yaml"] = &fstest.MapFile{Data: []byte(complete)}
	for range 6 {
		require.NoError(t, r.check(false))
	}
	requireServes(t, r, fsys.MapFS, "polling ends on the complete file")
}

// TestFileChangingWhileReadIsNeverLoaded: a file whose size moves while it
// is read is never put in service, by triage.Load, by a poll or by Reload.
func TestFileChangingWhileReadIsNeverLoaded(t *testing.T) {
	complete, _ := readRules("1.0.1")
	// ruleset reads a changing file three times before giving up.
	torn := make([]scripted, 3)
	for i := range torn {
		torn[i] = scripted{data: complete, grows: true}
	}

	fsys := newReadFS("1.0.1")
	fsys.then("rules.yaml", torn...)
	_, err := triage.Load(fsys)
	require.ErrorIs(t, err, triage.ErrInvalidRuleSet)
	assert.ErrorContains(t, err, "rules.yaml: the file changed while it was being read")

	fsys = newReadFS("1.0.0")
	r := watchRead(t, fsys)
	first := r.Engine()
	fsys.then("rules.yaml", scripted{data: complete, grows: true}, scripted{data: complete, grows: true})
	require.NoError(t, r.check(false))
	require.NoError(t, r.check(false))
	assert.Same(t, first, r.Engine(), "a poll that catches the file changing loads nothing")

	fsys.then("rules.yaml", torn...)
	require.ErrorContains(t, r.Reload(), "changed while it was being read", "Reload reads again, then gives up and says why")
	assert.Same(t, first, r.Engine())

	fsys.MapFS["rules.yaml"] = &fstest.MapFile{Data: []byte(complete)}
	require.NoError(t, r.Reload())
	requireServes(t, r, fsys.MapFS, "once the file reads whole, it loads")
}

// TestWatchPollsOnATimer: without an injected ticker, Watch polls on a real
// timer every WithInterval, and a change read by two polls is loaded. The
// test counts polls, not time: after the edit it takes four poll results,
// of which the first may be of a poll over before the edit (waiting to hand
// in its result), the second of one that straddled it, and the last two
// read the edit.
func TestWatchPollsOnATimer(t *testing.T) {
	dir := t.TempDir()
	complete, _ := readRules("1.0.0")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "questions.yaml"), []byte(readQuestions), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(complete), 0o644))
	polled := make(chan error)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := Watch(ctx, os.DirFS(dir), WithInterval(time.Millisecond),
		func(c *config) error { c.polled = func(err error) { polled <- err }; return nil })
	require.NoError(t, err)

	complete, _ = readRules("1.0.1")
	tmp := filepath.Join(dir, ".tmp")
	require.NoError(t, os.WriteFile(tmp, []byte(complete), 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "rules.yaml")))
	for range 4 {
		require.NoError(t, <-polled)
	}
	requireServes(t, r, os.DirFS(dir), "the timer's polls load the edit")
	assert.Equal(t, "1.0.1", r.Engine().RuleSet().Version)
	cancel()
	for stopped := false; !stopped; {
		select {
		case <-polled: // a poll under way when the context was cancelled
		case <-r.Done():
			stopped = true
		}
	}
}
