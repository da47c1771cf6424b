package account

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// argonParams are the cost settings of argon2id. They are stored in every
// hash, so raising them later only changes new hashes; a sign-in with an
// older hash rehashes it.
type argonParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
}

// currentParams are one of OWASP's equivalent argon2id settings: 12 MiB, 3
// passes, 1 lane (its baseline's 19 MiB and 2 passes cost as much to
// attack). The smaller block keeps a burst of sign-ins from raising the
// server's memory by 19 MiB a hash; hashes made with the baseline are
// rehashed at their next sign-in (fewer passes count as weaker).
var currentParams = argonParams{Memory: 12 * 1024, Time: 3, Threads: 1, KeyLen: 32}

const (
	minPassword = 10
	maxPassword = 256
)

//go:embed common-passwords.txt
var commonList []byte

var common = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(commonList))
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#!comment") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// CheckPassword says why a new password is not good enough, or returns nil.
// The e-mail and name are refused as passwords too.
func CheckPassword(pw, email, name string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < minPassword:
		return fmt.Errorf("use at least %d characters", minPassword)
	case n > maxPassword:
		return fmt.Errorf("use at most %d characters", maxPassword)
	case common[strings.ToLower(pw)]:
		return errors.New("this password is too common; it is on lists attackers try first")
	case strings.EqualFold(pw, email) || (email != "" && strings.EqualFold(pw, strings.SplitN(email, "@", 2)[0])) || strings.EqualFold(pw, name):
		return errors.New("do not use your e-mail address or name as your password")
	case oneChar(pw):
		return errors.New("use more than one repeated character")
	}
	return nil
}

func oneChar(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.Trim(s, string(r)) == ""
}

// HashPassword returns an encoded argon2id hash with a fresh random salt:
// $argon2id$v=19$m=12288,t=3,p=1$SALT$HASH
func HashPassword(pw string) string {
	return hashWith(pw, currentParams)
}

// argonSlots bounds the password hashes computed at once. Each takes its
// memory setting (12 MiB) for its whole run and keeps a core busy: more at
// once than half the cores only queue for the CPU while holding memory, and
// a burst of sign-ins would raise the process's peak memory by that much
// each.
var argonSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

// argonKey is argon2.IDKey, waiting for a slot. The hash's memory is
// garbage the moment it returns; it is collected at once (in the
// background, one collection at a time), so that the next sign-ins reuse
// it rather than the heap growing by 12 MiB with each until the collector's
// own goal comes round.
func argonKey(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	argonSlots <- struct{}{}
	key := argon2.IDKey(pw, salt, time, memory, threads, keyLen)
	<-argonSlots
	if collecting.CompareAndSwap(false, true) {
		go func() {
			runtime.GC()
			collecting.Store(false)
		}()
	}
	return key
}

var collecting atomic.Bool

func hashWith(pw string, p argonParams) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argonKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword compares pw with an encoded hash in constant time. rehash
// is true when the hash used weaker settings than today's.
func VerifyPassword(pw, encoded string) (ok, rehash bool) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false
	}
	var version int
	var p argonParams
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || p.Memory == 0 || p.Time == 0 || p.Threads == 0 || p.Memory > 1<<21 {
		return false, false
	}
	got := argonKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false
	}
	return true, p.Memory < currentParams.Memory || p.Time < currentParams.Time || uint32(len(want)) < currentParams.KeyLen
}

// dummyHash is compared against when no account matches, so a sign-in for
// an unknown address takes as long as one for a known address. Made at the
// first such sign-in, not when the program starts: a hash costs every
// command and test a noticeable moment.
var dummyHash = sync.OnceValue(func() string { return HashPassword("no account has this password, it only burns time") })
