package ruleset

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/redflagkit/redflag/triage/internal/ruleyaml"
)

// readAttempts is how many times a file that changes while it is read is
// read before giving up.
const readAttempts = 3

// ReadFile reads one file of the rule directory: a rule file or a
// test-case file. It refuses one larger than max bytes, anything but a
// regular file, and a link that leads outside fsys; a file that changes
// while it is read is read again, and refused if it keeps changing.
func ReadFile(fsys fs.FS, name string, max int) ([]byte, *Problem) {
	src, _, p := readSettled(fsys, name, max)
	return src, p
}

// readSettled is ReadFile, also reporting that the file was still
// changing at the last attempt.
func readSettled(fsys fs.FS, name string, max int) (src []byte, changed bool, p *Problem) {
	for range readAttempts {
		if src, changed, p = readStable(fsys, name, max); !changed {
			break
		}
	}
	return src, changed, p
}

// readStable reads one file once, refusing what ReadFile refuses.
// The file's type is checked before it is opened, since opening a named
// pipe would block until something writes to it. changed reports that the
// file changed while it was being read (its size or modification time
// moved, or its length is not its size); the error then says so.
//
// The error is placed where the file crosses the size limit, so an editor
// opens it at the right spot; no error quotes the content of a refused
// file.
func readStable(fsys fs.FS, name string, max int) (src []byte, changed bool, p *Problem) {
	fail := func(format string, args ...any) ([]byte, bool, *Problem) {
		return nil, false, &Problem{File: name, Msg: fmt.Sprintf(format, args...)}
	}
	resolved, info, err := resolveInRoot(fsys, name)
	if err != nil {
		return fail("cannot read rule file: %v", err)
	}
	if !info.Mode().IsRegular() {
		return fail("not a regular file: it is %s, and only regular files are read as rule files", fileKind(info.Mode()))
	}
	f, err := fsys.Open(resolved)
	if err != nil {
		return fail("cannot read rule file: %v", err)
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return fail("cannot read rule file: %v", err)
	}
	if !before.Mode().IsRegular() {
		return fail("not a regular file: it is %s, and only regular files are read as rule files", fileKind(before.Mode()))
	}
	src, err = io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return fail("cannot read rule file: %v", err)
	}
	if len(src) > max {
		line, col := ruleyaml.OffsetPos(src, max)
		return nil, false, &Problem{File: name, Line: line, Column: col, Msg: fmt.Sprintf("rule file is larger than the limit of %d bytes (Limits.RuleFileSize)", max), Limit: true}
	}
	after, err := f.Stat()
	if err != nil {
		return fail("cannot read rule file: %v", err)
	}
	if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) || int64(len(src)) != after.Size() {
		_, _, p = fail("the file changed while it was being read, so what was read may be half of an edit; nothing is loaded from it until it is read whole")
		return nil, true, p
	}
	return src, false, nil
}

// maxLinkHops bounds how many symbolic links resolving one name may
// follow, so that a loop of links is an error rather than a hang.
const maxLinkHops = 40

// errOutside is why a link that leads out of the rule directory is refused.
var errOutside = errors.New("it is a symbolic link that leads outside the rule directory; links may point only inside it, so it is not read")

// resolveInRoot resolves name within fsys, one path element at a time,
// following symbolic links only while they stay inside fsys: a link to an
// absolute path, or one that climbs above the root, is refused. It returns
// the resolved name, free of links, and what Lstat says of it, without
// opening anything. A file system that cannot read links (no
// fs.ReadLinkFS) shows none: there, name is its own resolution.
func resolveInRoot(fsys fs.FS, name string) (string, fs.FileInfo, error) {
	lfs, ok := fsys.(fs.ReadLinkFS)
	if !ok {
		info, err := fs.Stat(fsys, name)
		return name, info, err
	}
	var (
		done []string                   // resolved elements, free of links
		todo = strings.Split(name, "/") // elements still to resolve
		hops int
	)
	for len(todo) > 0 {
		elem := todo[0]
		todo = todo[1:]
		switch elem {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return "", nil, errOutside
			}
			done = done[:len(done)-1]
			continue
		}
		cur := path.Join(append(slices.Clone(done), elem)...)
		info, err := lfs.Lstat(cur)
		if err != nil {
			return "", nil, err
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			if len(todo) > 0 && !info.IsDir() {
				return "", nil, fmt.Errorf("it leads through %s, which is not a directory", cur)
			}
			done = append(done, elem)
			if len(todo) == 0 {
				return cur, info, nil
			}
			continue
		}
		if hops++; hops > maxLinkHops {
			return "", nil, fmt.Errorf("it leads through more than %d symbolic links (a loop of links?)", maxLinkHops)
		}
		target, err := lfs.ReadLink(cur)
		if err != nil {
			return "", nil, err
		}
		if target == "" || strings.HasPrefix(target, "/") {
			return "", nil, errOutside
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	// Only a name that ends at the root itself gets here ("..data" -> ".").
	return ".", nil, errors.New("it resolves to the rule directory itself, not a file")
}

// fileKind names what a file that is not a regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return "a special file"
	}
}
