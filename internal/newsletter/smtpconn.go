package newsletter

import (
	"bytes"
	"context"
	"errors"
	"net/textproto"

	"github.com/wneessen/go-mail/smtp"

	"byline/internal/mail"
)

// The sender's connections to the mail server.
//
// They are go-mail's, like transactional mail's: mail.SMTP.Dial greets,
// encrypts and signs in with the same settings, and the connection stays
// open for many messages (MAIL, RCPT and RSET are go-mail's too). Only the
// DATA phase is written here, on the connection's textproto.Conn, because
// a message is marked in flight after its body and before its final "."
// (see send.go), and go-mail's Client.Send, like the writer of its
// Client.Data, writes that "." and reads the answer in one call.

// Outcomes of one SMTP delivery.
const (
	outSent        = iota // accepted
	outRetry              // refused for now, or the connection failed before the mark
	outRetryMarked        // refused for now after the mark, or its "." never written
	outUnknown            // handed over whole and the answer lost: maybe delivered
	outBounced            // the recipient refused for good
	outFailed             // the message refused for good (not the address)
	outDropped            // the claim was lost: not sent, another sender has it
)

// smtpConn is one connection to the mail server, kept open between
// messages.
type smtpConn struct {
	cfg mail.SMTP
	c   *smtp.Client // nil until dialled, and after a failure
}

// send delivers one message; mark records it in flight before its final
// "." (which mark's argument writes) and reports whether the claim held.
func (sc *smtpConn) send(ctx context.Context, from, to string, msg []byte, mark func(after func()) bool) (int, string) {
	if err := sc.ready(ctx); err != nil {
		return outRetry, "cannot reach the mail server: " + err.Error()
	}
	if err := sc.c.Mail(from); err != nil {
		return sc.refused(err, outRetry)
	}
	if err := sc.c.Rcpt(to); err != nil {
		return sc.refused(err, outBounced)
	}
	if err := sc.data(); err != nil {
		return sc.refused(err, outFailed)
	}
	// A body that did not all go out (the connection died mid-message) is
	// not marked: the server discards it, and the delivery is tried again.
	if err := sc.body(msg); err != nil {
		sc.drop()
		return outRetry, "connection lost while sending the message: " + err.Error()
	}
	return sc.end(mark)
}

// ready dials when there is no connection, and gives the message the
// server's timeout (a connection's deadline is set once per message).
func (sc *smtpConn) ready(ctx context.Context) error {
	if sc.c == nil {
		c, err := sc.cfg.Dial(ctx)
		if err != nil {
			return err
		}
		sc.c = c
	}
	if err := sc.c.UpdateDeadline(sc.cfg.IOTimeout()); err != nil {
		sc.drop()
		return err
	}
	return nil
}

// refused settles a command the server did not take. Only a permanent
// refusal of the recipient (RCPT) says the address is bad. A refusal of
// the sender (MAIL) is this site's problem: tried again later, never held
// against the reader. One of the message itself (DATA) fails this
// delivery only. An error that is not an answer is a broken connection.
func (sc *smtpConn) refused(err error, permanent int) (int, string) {
	var te *textproto.Error
	if !errors.As(err, &te) {
		sc.drop()
		return outRetry, err.Error()
	}
	if sc.c.Reset() != nil {
		sc.drop() // the next message starts on a fresh connection
	}
	if te.Code >= 500 {
		return permanent, err.Error()
	}
	return outRetry, err.Error()
}

// data opens the DATA phase. It is written here rather than through
// Client.Data, whose writer ends the message when it is closed.
func (sc *smtpConn) data() error {
	id, err := sc.c.Text.Cmd("DATA")
	if err != nil {
		return err
	}
	sc.c.Text.StartResponse(id)
	defer sc.c.Text.EndResponse(id)
	_, _, err = sc.c.Text.ReadResponse(354)
	return err
}

// body hands the server the whole message but the final "." in one write:
// the server has it all but the end while the sender marks it.
func (sc *smtpConn) body(msg []byte) error {
	if _, err := sc.c.Text.W.Write(dotStuff(msg)); err != nil {
		return err
	}
	return sc.c.Text.W.Flush()
}

// end has the message marked in flight, whose mark writes the final ".",
// then reads the server's answer to it.
func (sc *smtpConn) end(mark func(after func()) bool) (int, string) {
	var id uint
	var endErr error
	if !mark(func() { id, endErr = sc.c.Text.Cmd(".") }) {
		sc.drop() // no "." is sent: the server drops the message
		return outDropped, ""
	}
	if endErr != nil {
		// The "." could not be written, so the server never had the whole
		// message: it is not delivered, whatever the mark says.
		sc.drop()
		return outRetryMarked, "connection lost before the end of the message: " + endErr.Error()
	}
	sc.c.Text.StartResponse(id)
	_, _, err := sc.c.Text.ReadResponse(250)
	sc.c.Text.EndResponse(id)
	var te *textproto.Error
	switch {
	case err == nil:
		return outSent, ""
	case !errors.As(err, &te):
		sc.drop()
		return outUnknown, "connection lost before the answer to the message: " + err.Error()
	case te.Code >= 500:
		return outFailed, err.Error()
	default:
		return outRetryMarked, err.Error()
	}
}

// close ends the connection with QUIT, or cuts it when QUIT goes unanswered.
func (sc *smtpConn) close() {
	if sc.c == nil {
		return
	}
	if sc.c.UpdateDeadline(sc.cfg.IOTimeout()) != nil || sc.c.Quit() != nil {
		sc.drop()
		return
	}
	sc.c = nil
}

// drop closes the connection without ending the message in flight: the
// server discards it.
func (sc *smtpConn) drop() {
	if sc.c != nil {
		sc.c.Close() // given up either way: a failure to close changes nothing
		sc.c = nil
	}
}

// dotStuff doubles the dot that starts any line (RFC 5321 4.5.2); msg
// ends with CRLF, so the terminator can follow it.
func dotStuff(msg []byte) []byte {
	if bytes.HasPrefix(msg, []byte(".")) {
		msg = append([]byte("."), msg...)
	}
	if !bytes.Contains(msg, []byte("\r\n.")) {
		return msg
	}
	return bytes.ReplaceAll(msg, []byte("\r\n."), []byte("\r\n.."))
}
