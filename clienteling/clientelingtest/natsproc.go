//go:build unix

package clientelingtest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// natsProcessEnv, set in a child's environment, names the storage
// directory of the server that child is to become.
const natsProcessEnv = "SALON_TEST_NATS_PROCESS_DIR"

// NATSProcess is a real JetStream server in a child process, so that a
// test can freeze it (SIGSTOP) and thaw it (SIGCONT) as a stalled host
// behaves: its connections stay open and nothing on them is answered. A
// server in the test's own process cannot be frozen without the test.
type NATSProcess struct {
	// URL is where clients connect.
	URL   string
	tb    testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// ServeNATSProcess must be the first call of TestMain in a package that
// uses RunNATSProcess: in the child it starts, it serves NATS until the
// parent goes away and never returns; elsewhere it returns at once.
func ServeNATSProcess() {
	dir := os.Getenv(natsProcessEnv)
	if dir == "" {
		return
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "nats process:", err)
		os.Exit(1)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		fmt.Fprintln(os.Stderr, "nats process: not ready")
		os.Exit(1)
	}
	fmt.Printf("nats://127.0.0.1:%d\n", s.Addr().(*net.TCPAddr).Port)
	// The parent holds our stdin open: its end, however it comes, ends us.
	_, _ = io.Copy(io.Discard, os.Stdin)
	s.Shutdown()
	os.Exit(0)
}

// RunNATSProcess runs this test binary again as a JetStream server on a
// loopback port and storage under tb.TempDir(). It is killed at cleanup.
func RunNATSProcess(tb testing.TB) *NATSProcess {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), natsProcessEnv+"="+tb.TempDir())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	n := &NATSProcess{tb: tb, cmd: cmd, stdin: stdin}
	tb.Cleanup(n.stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("nats process did not say where it listens: %v", err)
	}
	n.URL = strings.TrimSpace(line)
	return n
}

// Freeze stops the server process where it stands (SIGSTOP).
func (n *NATSProcess) Freeze() {
	n.tb.Helper()
	n.signal(syscall.SIGSTOP)
}

// Thaw resumes a frozen server (SIGCONT).
func (n *NATSProcess) Thaw() {
	n.tb.Helper()
	n.signal(syscall.SIGCONT)
}

func (n *NATSProcess) signal(sig syscall.Signal) {
	n.tb.Helper()
	if err := n.cmd.Process.Signal(sig); err != nil {
		n.tb.Fatalf("signal nats process: %v", err)
	}
}

// stop kills the process, frozen or not (SIGKILL reaches a stopped one).
func (n *NATSProcess) stop() {
	_ = n.stdin.Close()
	_ = n.cmd.Process.Kill()
	_ = n.cmd.Wait()
}
