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

// startOnPTY runs the built command with the slave side of a new
// pseudo-terminal as its controlling terminal and the given standard
// streams (nil: the terminal).
func startOnPTY(t *testing.T, stdout *os.File, args ...string) (*terminal, *exec.Cmd) {
	t.Helper()
	master, slave, err := openPTY()
	require.NoError(t, err)
	t.Cleanup(func() { master.Close() })
	cmd := exec.Command(redflagBinary(t), args...)
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

// TestAskOnATerminal runs redflag ask on a real pseudo-terminal, typing
// each answer when its question appears, down a red-flag path with a
// re-asked answer, back, and --save.
func TestAskOnATerminal(t *testing.T) {
	save := filepath.Join(t.TempDir(), "answers.json")
	term, cmd := startOnPTY(t, nil, "ask", "--save", save)
	term.expect("1. Do you have pain that shoots down", "no")
	term.expect("2. Do you have numbness or tingling", "maybe")
	term.expect(`"maybe" is not one of the choices`, "none")
	term.expect("3. When you move, do you ever get a sudden jolt", "back")
	term.expectN("2. Do you have numbness or tingling", 2, "3")
	code := exitCode(t, cmd)
	<-term.done
	got := term.text()
	assert.Equal(t, exitSeePro, code, got)
	// The terminal echoes what is typed; ask must not echo it again.
	assert.Contains(t, got, "(yes/no) > no\n\n2. Do you have numbness")
	assert.NotContains(t, got, "no\nno\n")
	assert.Contains(t, got, "Because: numbness_tingling = [chest]")
	assert.True(t, strings.HasSuffix(got, "redflag check "+save+"\n"), got)
	assert.Contains(t, got, noteLine)

	replay := runCLI(t, t.Context(), "", "check", save)
	assert.Equal(t, exitSeePro, replay.code, "the saved answers replay with check")
	assert.Contains(t, got, replay.stdout, "ask printed the verdict as check prints it")
}

// TestAskSelfCareOnATerminal answers the whole adaptive questionnaire with
// no red flag on a terminal, then the optional questions: grinding
// skipped, twelve pops a day, which brings the frequent-popping caution.
func TestAskSelfCareOnATerminal(t *testing.T) {
	term, cmd := startOnPTY(t, nil, "ask")
	for i, answer := range noToEverything {
		term.expect(fmt.Sprintf("\n%d. ", i+1), answer)
	}
	n := len(noToEverything)
	term.expect(fmt.Sprintf("%s\n\n%d. (optional) Does it ever feel like bone grinding", optionalIntroLine, n+1), "skip")
	term.expect(fmt.Sprintf("%d. (optional) On a typical day, how many times", n+2), "12")
	code := exitCode(t, cmd)
	<-term.done
	got := term.text()
	assert.Equal(t, exitSelfCare, code, got)
	assert.Contains(t, got, "Outcome: SELF-CARE IS OK")
	assert.Contains(t, got, "[caution: frequent_popping]")
	assert.Contains(t, got, "Because: self_pops = true, pops_per_day = 12")
	assert.Contains(t, got, "[grinding]", "the skipped optional question is listed as not answered")
	assert.True(t, strings.HasSuffix(got, noteLine), got)
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
	term.expect("1. Do you have pain that shoots down", "n")
	term.expectN("2. Do you have numbness", 1, "\x03") // Ctrl-C; the newline after it is never read
	code := exitCode(t, cmd)
	<-term.done
	got := term.text()
	assert.Equal(t, exitFailure, code, got)
	assert.Contains(t, got, "redflag ask: interrupted; no verdict was given and nothing was saved")
	assert.NotContains(t, got, "Outcome:")
	assert.NoFileExists(t, save)
}
