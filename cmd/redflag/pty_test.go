//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openPTY opens a pseudo-terminal pair with the standard library only:
// /dev/ptmx gives the master, TIOCSPTLCK unlocks the slave and TIOCGPTN
// names it.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fd := master.Fd()
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		master.Close()
		return nil, nil, fmt.Errorf("TIOCSPTLCK: %w", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		master.Close()
		return nil, nil, fmt.Errorf("TIOCGPTN: %w", e)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

var (
	buildOnce sync.Once
	builtPath string
	buildErr  error
)

// redflagBinary builds the command once per test process.
func redflagBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "redflag-pty-test")
		if err != nil {
			buildErr = err
			return
		}
		builtPath = filepath.Join(dir, "redflag")
		out, err := exec.Command("go", "build", "-o", builtPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return builtPath
}

// terminal is the master side of a pseudo-terminal with a program on the
// other side; everything the program writes collects in out.
type terminal struct {
	t      *testing.T
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer
	done   chan struct{}
}

func newTerminal(t *testing.T, master *os.File) *terminal {
	term := &terminal{t: t, master: master, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return // EIO once the program exits and the slave closes
			}
		}
	}()
	return term
}

// text returns the output so far with the terminal's \r\n made \n.
func (term *terminal) text() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return strings.ReplaceAll(term.out.String(), "\r\n", "\n")
}

// expect waits until the output contains s, then types line.
func (term *terminal) expect(s, line string) {
	term.t.Helper()
	term.expectN(s, 1, line)
}

// expectN waits until the output contains s n times, then types line.
func (term *terminal) expectN(s string, n int, line string) {
	term.t.Helper()
	// A guard that fails the test rather than hang it, not a bound on speed.
	deadline := time.Now().Add(time.Minute)
	for strings.Count(term.text(), s) < n {
		if time.Now().After(deadline) {
			term.t.Fatalf("timed out waiting for %q; the terminal shows:\n%s", s, term.text())
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, err := term.master.Write([]byte(line + "\n"))
	require.NoError(term.t, err)
}

// ptyColumns is the width of the pseudo-terminals the tests open.
const ptyColumns = 60

// startOnPTY runs the built command with the slave side of a new
// pseudo-terminal as its controlling terminal and the given standard
// streams (nil: the terminal).
func startOnPTY(t *testing.T, stdout *os.File, args ...string) (*terminal, *exec.Cmd) {
	t.Helper()
	master, slave, err := openPTY()
	require.NoError(t, err)
	t.Cleanup(func() { master.Close() })
	// The terminal is ptyColumns wide; COLUMNS, which would override it,
	// is left out of the environment.
	ws := struct{ rows, cols, xpixel, ypixel uint16 }{rows: 40, cols: ptyColumns}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSWINSZ, uintptr(unsafe.Pointer(&ws))); e != 0 {
		t.Fatalf("TIOCSWINSZ: %v", e)
	}
	cmd := exec.Command(redflagBinary(t), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COLUMNS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	if stdout != nil {
		cmd.Stdout = stdout
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, cmd.Start())
	slave.Close() // the child holds it now; the master reads EIO when it exits
	return newTerminal(t, master), cmd
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

// TestAskOnATerminal runs redflag ask on a real pseudo-terminal 60
// columns wide, typing each answer when its question appears, down a
// red-flag path with a re-asked answer, back, and --save. ask wraps to the
// terminal's width, never inside a word.
func TestAskOnATerminal(t *testing.T) {
	save := filepath.Join(t.TempDir(), "answers.json")
	term, cmd := startOnPTY(t, nil, "ask", "--save", save)
	term.expect("Question 1, at most 20 left\nDo you have pain that shoots down", "no")
	term.expect("Question 2, at most 19 left\nDo you have numbness or tingling", "maybe")
	term.expect(`"maybe" is not one of the choices`, "none")
	term.expect("Question 3, at most 18 left\nWhen you move, do you ever get a sudden jolt", "back")
	term.expectN("Question 2, at most 19 left\nDo you have numbness or tingling", 2, "3")
	code := exitCode(t, cmd)
	<-term.done
	got := term.text()
	assert.Equal(t, exitSeePro, code, got)
	// The terminal echoes what is typed; ask must not echo it again.
	assert.Contains(t, got, "(yes/no) > no\n\nQuestion 2")
	assert.NotContains(t, got, "no\nno\n")
	assert.Contains(t, got, "These questions check for warning signs. They stop as soon\nas the result is clear,",
		"the introduction is wrapped to the terminal's 60 columns")
	assert.Contains(t, got, "    You answered Chest to: Do you have numbness or tingling\n      in any of these places? Pick all that apply.\n")
	for _, l := range strings.Split(got, "\n") {
		if !strings.Contains(l, save) { // a path is one word, never broken
			assert.LessOrEqual(t, utf8.RuneCountInString(l), ptyColumns, "%q", l)
		}
	}
	assert.True(t, strings.HasSuffix(got, save+"\n"), got)
	assert.Contains(t, got, "Note: This supports triage; it is not a diagnosis.")

	replay := runCLI(t, t.Context(), "", "check", save)
	assert.Equal(t, exitSeePro, replay.code, "the saved answers replay with check")
	assert.Contains(t, replay.stdout, "Outcome: see_professional — Stop self-adjusting and see a professional\n")
	assert.Contains(t, got, "Result: Stop self-adjusting and see a professional\n", "ask shows check's headline")
}

// TestAskSelfCareOnATerminal answers the whole adaptive questionnaire with
// no red flag on a terminal, then the optional questions: grinding
// skipped, twelve pops a day, which brings the frequent-popping caution.
func TestAskSelfCareOnATerminal(t *testing.T) {
	term, cmd := startOnPTY(t, nil, "ask")
	for i, answer := range noToEverything {
		term.expect(fmt.Sprintf("\nQuestion %d, ", i+1), answer)
	}
	n := len(noToEverything)
	term.expect(fmt.Sprintf("\n\nQuestion %d (optional), at most 1 left\nDoes it ever feel like bone grinding", n+1), "skip")
	term.expect(fmt.Sprintf("Question %d (optional), the last\nOn a typical day, how many times", n+2), "12")
	code := exitCode(t, cmd)
	<-term.done
	got := term.text()
	assert.Equal(t, exitSelfCare, code, got)
	assert.Contains(t, got, "Result: No warning sign found; self-care is reasonable\n")
	assert.Contains(t, got, "  - Popping the back ten or more times a day\n")
	assert.Contains(t, got, "    You answered 12 times a day to: On a typical day, how\n      many times do you pop or crack your back?\n")
	assert.Contains(t, got, "  - Does it ever feel like bone grinding on bone when your\n", "the skipped optional question is listed as not answered")
	assert.True(t, strings.HasSuffix(got, "professional.\n"), "ends with the not-a-diagnosis note: %s", got)
}

// TestBatchProgressOnATerminal checks that check --jsonl shows its progress
// line when standard error is a terminal (and TestBatchMatchesCheck that it
// does not otherwise).
func TestBatchProgressOnATerminal(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(strings.Repeat(`{"fever": true}`+"\n", 500)), 0o644))
	out, err := os.Create(filepath.Join(dir, "out.jsonl"))
	require.NoError(t, err)
	defer out.Close()
	term, cmd := startOnPTY(t, out, "check", "--jsonl", in)
	code := exitCode(t, cmd)
	<-term.done
	got := term.text()
	assert.Equal(t, exitSelfCare, code, got)
	assert.Contains(t, got, "\r500 lines, ", "a progress line, overwritten in place")
	assert.Contains(t, got, "redflag check --jsonl: 500 lines in ")
	data, err := os.ReadFile(out.Name())
	require.NoError(t, err)
	assert.Equal(t, 500, strings.Count(string(data), "\n"), "results go to standard output, not the terminal")
}

// TestAskInterruptOnATerminal presses Ctrl-C while ask waits for an answer:
// it stops at once, with no verdict and nothing saved.
func TestAskInterruptOnATerminal(t *testing.T) {
	save := filepath.Join(t.TempDir(), "answers.json")
	term, cmd := startOnPTY(t, nil, "ask", "--save", save)
	term.expect("Do you have pain that shoots down", "n")
	term.expectN("Do you have numbness", 1, "\x03") // Ctrl-C; the newline after it is never read
	code := exitCode(t, cmd)
	<-term.done
	got := term.text()
	assert.Equal(t, exitFailure, code, got)
	assert.Contains(t, got, "redflag ask: interrupted; no verdict was given and nothing was saved")
	assert.NotContains(t, got, "Result:")
	assert.NoFileExists(t, save)
}
