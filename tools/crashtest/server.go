package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// server is one `byline serve` on a database, started again on the same
// address after each kill.
type server struct {
	bin, dsn, addr, smtp, logPath string
	cmd                           *exec.Cmd
	exited                        chan struct{} // closed when cmd has been waited for
	log                           *os.File
}

func (s *server) base() string { return "http://" + s.addr }

func (s *server) start(ctx context.Context) error {
	if s.log == nil {
		f, err := os.Create(s.logPath)
		if err != nil {
			return err
		}
		s.log = f
	}
	fmt.Fprintf(s.log, "\n==== start %s\n", time.Now().Format(time.RFC3339Nano))
	s.cmd = exec.Command(s.bin, "serve", "--database", s.dsn, "--addr", s.addr, "--log-level", "warn",
		"--trusted-proxies", "127.0.0.1", "--smtp", fmt.Sprintf("smtp://%s?tls=none&from=news@crash.example", s.smtp))
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		// A killed server's exit status is an error, as it should be: it
		// is noted in the log and nothing else.
		if err := cmd.Wait(); err != nil {
			fmt.Fprintf(s.log, "==== exit: %v\n", err)
		}
		close(exited)
	}(s.cmd, s.exited)
	return s.waitReady(ctx)
}

// waitReady polls /readyz until it answers 200, or the process ends, or
// a minute passes.
func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	c := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		resp, err := c.Get(s.base() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("byline serve exited while starting; see %s", s.logPath)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("byline serve not ready after a minute; see %s", s.logPath)
}

// kill ends the server with SIGKILL and waits until it is gone.
func (s *server) kill() error {
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-s.exited
	fmt.Fprintf(s.log, "==== killed %s\n", time.Now().Format(time.RFC3339Nano))
	return nil
}

// stop ends the server as an operator would (SIGTERM), giving it time to
// finish what it is doing.
func (s *server) stop() error {
	if s.cmd == nil {
		return nil
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		if err := s.kill(); err != nil {
			return err
		}
	}
	s.cmd = nil
	return s.log.Close()
}

func buildByline(work string) (string, error) {
	bin := filepath.Join(work, "byline")
	build := exec.Command("go", "build", "-o", bin, "./cmd/byline")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	return bin, build.Run()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
