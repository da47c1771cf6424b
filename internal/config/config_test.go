package config

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
)

func parse(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	c := Defaults
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	getenv := func(k string) string { return env[k] }
	c.BindDatabase(fs, getenv)
	c.BindServe(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestPrecedence(t *testing.T) {
	env := map[string]string{"BYLINE_DATABASE": "postgres://db/x", "BYLINE_ADDR": "0.0.0.0:9000", "BYLINE_DEMO": "true"}
	c, err := parse(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Database != "postgres://db/x" || c.Addr != "0.0.0.0:9000" || !c.Demo || c.BaseURL != "http://0.0.0.0:9000" {
		t.Fatalf("environment not applied: %+v", c)
	}
	c, err = parse(t, env, "--database", "site.db", "--addr", ":8081", "--base-url", "https://news.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	if c.Database != "site.db" || c.Addr != ":8081" || c.BaseURL != "https://news.example.com" {
		t.Fatalf("flags must win over the environment: %+v", c)
	}
	c, err = parse(t, nil)
	if err != nil || c.Database != "byline.db" || c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.Location == nil {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "nonsense"}, "want host:port"},
		{[]string{"--timezone", "Mars/Base"}, "not a known time zone"},
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--base-url", "ftp://x"}, "absolute http(s) URL"},
		{[]string{"--database", " "}, "--database must not be empty"},
	}
	for _, c := range cases {
		_, err := parse(t, nil, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := parse(t, map[string]string{"BYLINE_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8,::1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.Proxies); got != "[127.0.0.1/32 10.0.0.0/8 ::1/128]" {
		t.Fatalf("proxies %s", got)
	}
	_, err = parse(t, nil, "--trusted-proxies", "10.0.0.0/8,proxy.local")
	if err == nil || !strings.Contains(err.Error(), `"proxy.local"`) {
		t.Fatalf("a name is not an address: %v", err)
	}
}
