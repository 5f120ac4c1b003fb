package ruleset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"
)

// File is one rule file read into memory.
type File struct {
	Name string // as listed at the root, even when it is a link
	Src  []byte
}

// Limits bound what ReadRules reads.
type Limits struct {
	Files    int // rule files
	FileSize int // bytes of one file; all of them together may hold SizeFactor times this
}

// The defaults of Limits, shared with the public triage.Limits.
const (
	DefaultFiles    = 256
	DefaultFileSize = 1 << 20
)

// SizeFactor bounds the size of all rule files together, as a multiple of
// the size one file may have: without it, 256 files of 1 MiB would be
// allowed, and parsing one such file takes a tenth of a second or more.
const SizeFactor = 4

// Snapshot is a rule directory read into memory. The engine is built from
// exactly these bytes, and hot reload compares their Key between polls, so
// what is loaded is always what was hashed.
type Snapshot struct {
	Files []File
	// Problems are found while reading: files that cannot be read or are
	// refused, too many files, stray files.
	Problems []Problem
	// Unreadable is set when some rule file was not read, so Files are
	// not all the rule set holds.
	Unreadable bool
	// Changed is set when some file changed while it was being read: its
	// bytes may be half of one version and half of another.
	Changed bool
	// NoDir is set when the directory itself could not be read.
	NoDir bool
	// Hash is the content hash of Files: the rule set's hash in verdicts.
	Hash string
}

// Hash is the content hash of a rule set, as verdicts show it: a SHA-256 of
// each file's name and bytes, in name order.
func Hash(files []File) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.Name, len(f.Src))
		h.Write(f.Src)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Key identifies what was read, for hot reload: the content hash, and the
// problems when there are any, so that a new problem (a stray file, say)
// is a change too. For a rule set read without problems it is its Hash.
func (s *Snapshot) Key() string {
	if len(s.Problems) == 0 {
		return s.Hash
	}
	var b strings.Builder
	b.WriteString(s.Hash)
	for _, p := range s.Problems {
		fmt.Fprintf(&b, "\x00%s:%d:%d: %s", p.File, p.Line, p.Column, p.Msg)
	}
	return b.String()
}

// ReadRules reads every rule file at the root of fsys into memory, each
// once, in name order, and notes the problems found on the way. With
// settle, a rule set whose files changed while they were read is read
// again (a few times at most); without it, the caller sees Changed and
// decides.
func ReadRules(fsys fs.FS, lim Limits, settle bool) *Snapshot {
	if sfs, ok := fsys.(*SnapshotFS); ok {
		return sfs.Snap // read once already: load exactly what was read
	}
	s := readRules(fsys, lim)
	for i := 1; settle && s.Changed && i < readAttempts; i++ {
		s = readRules(fsys, lim)
	}
	return s
}

func readRules(fsys fs.FS, lim Limits) *Snapshot {
	s := &Snapshot{}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		s.Problems = []Problem{{File: ".", Msg: fmt.Sprintf("cannot read rule directory: %v", err)}}
		s.Unreadable, s.NoDir = true, true
		s.Hash = Hash(nil)
		return s
	}
	n, total := 0, 0
	for _, ent := range entries {
		if ent.IsDir() || !IsRuleFile(ent.Name()) {
			continue
		}
		name := ent.Name()
		if n++; n > lim.Files {
			s.limitProblem(name, fmt.Sprintf("more than %d rule files (Limits.RuleFiles); this one and any after it are not read", lim.Files))
			break
		}
		src, changed, p := readStable(fsys, name, lim.FileSize)
		s.Changed = s.Changed || changed
		if p != nil {
			s.Problems = append(s.Problems, *p)
			s.Unreadable = true
			continue
		}
		if total += len(src); total > SizeFactor*lim.FileSize {
			s.limitProblem(name, fmt.Sprintf("the rule files together are larger than the limit of %d bytes (%d times Limits.RuleFileSize); this one and any after it are not loaded", SizeFactor*lim.FileSize, SizeFactor))
			break
		}
		s.Files = append(s.Files, File{name, src})
	}
	s.Problems = append(s.Problems, Stray(fsys, false)...)
	s.Hash = Hash(s.Files)
	return s
}

// limitProblem records a limit that leaves part of the rule set unread.
func (s *Snapshot) limitProblem(file, msg string) {
	s.Problems = append(s.Problems, Problem{File: file, Msg: msg, Limit: true})
	s.Unreadable = true
}

// SnapshotFS serves a Snapshot's files, so that hot reload can load a
// snapshot with the public Load exactly as it was read: ReadRules returns
// the snapshot itself, with its problems, instead of reading it again.
type SnapshotFS struct {
	fstest.MapFS
	Snap *Snapshot
}

// NewSnapshotFS returns a file system serving s.
func NewSnapshotFS(s *Snapshot) *SnapshotFS {
	m := fstest.MapFS{}
	for _, f := range s.Files {
		m[f.Name] = &fstest.MapFile{Data: f.Src, Mode: 0o444}
	}
	return &SnapshotFS{MapFS: m, Snap: s}
}
