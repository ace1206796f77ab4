package slogrotate

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// A Format is the encoding a [Handler] writes.
type Format int

const (
	// JSON writes one JSON object per line, as [slog.JSONHandler].
	JSON Format = iota
	// Text writes key=value pairs, one record per line, as [slog.TextHandler].
	Text
)

type handlerConfig struct {
	format      Format
	opts        slog.HandlerOptions
	levelSet    bool
	makeHandler func(io.Writer) slog.Handler
	flushLevel  slog.Leveler
}

// WithFormat sets the encoding of a [Handler]: [JSON] (the default) or
// [Text]. [Open] ignores it.
func WithFormat(f Format) Option {
	return func(c *config) {
		if f != JSON && f != Text {
			c.fail("WithFormat(%d): unknown format (want JSON or Text)", int(f))
			return
		}
		c.handler.format = f
	}
}

// WithLevel sets the minimum level a [Handler] writes; pass a
// [*slog.LevelVar] to change it while running. The default is
// [slog.LevelInfo]. [Open] ignores it.
func WithLevel(l slog.Leveler) Option {
	return func(c *config) {
		if l == nil {
			c.fail("WithLevel(nil): a level is required")
			return
		}
		c.handler.opts.Level = l
	}
}

// WithAddSource makes a [Handler] record the caller's file and line, as
// [slog.HandlerOptions.AddSource]. [Open] ignores it.
func WithAddSource() Option {
	return func(c *config) { c.handler.opts.AddSource = true }
}

// WithReplaceAttr sets the attribute rewriting function of a [Handler], as
// [slog.HandlerOptions.ReplaceAttr]. [Open] ignores it.
func WithReplaceAttr(f func(groups []string, a slog.Attr) slog.Attr) Option {
	return func(c *config) { c.handler.opts.ReplaceAttr = f }
}

// WithHandler makes a [Handler] encode records with the handler that make
// returns for the writer, instead of a JSON or Text handler; the format,
// level, source and replace-attribute options are then make's business.
// The handler must write each record with a single Write call, as the
// standard library's handlers do: the Writer treats each Write as one
// record. [Open] ignores it.
func WithHandler(make func(io.Writer) slog.Handler) Option {
	return func(c *config) {
		if make == nil {
			c.fail("WithHandler(nil): a handler constructor is required")
			return
		}
		c.handler.makeHandler = make
	}
}

// Handler is a [slog.Handler] that writes to a rotating [Writer]. Handlers
// derived from it with WithAttrs and WithGroup share its Writer.
type Handler struct {
	inner slog.Handler
	w     *Writer
	flush slog.Leveler // nil unless the writer buffers
}

// New opens the log at path with [Open] and returns a Handler that writes
// to it. It takes both the Writer's options and the handler options
// ([WithFormat], [WithLevel], [WithAddSource], [WithReplaceAttr],
// [WithHandler]).
func New(path string, opts ...Option) (*Handler, error) {
	w, err := Open(path, opts...)
	if err != nil {
		return nil, err
	}
	hc := w.cfg.handler
	var inner slog.Handler
	switch {
	case hc.makeHandler != nil:
		inner = hc.makeHandler(w)
		if inner == nil {
			w.Close()
			return nil, fmt.Errorf("slogrotate: WithHandler: the constructor returned a nil handler")
		}
	case hc.format == Text:
		inner = slog.NewTextHandler(w, &hc.opts)
	default:
		inner = slog.NewJSONHandler(w, &hc.opts)
	}
	h := &Handler{inner: inner, w: w}
	if w.bufSize > 0 {
		h.flush = hc.flushLevel
		if h.flush == nil {
			h.flush = slog.LevelError
		}
	}
	return h, nil
}

// Enabled reports whether the handler writes records at level l.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle writes r as one record. A write error is returned and also passed
// to the Writer's error handler, since [slog.Logger] discards it.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	err := h.inner.Handle(ctx, r)
	if h.flush != nil && r.Level >= h.flush.Level() {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// WithAttrs returns a Handler that adds attrs to every record.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{inner: h.inner.WithAttrs(attrs), w: h.w, flush: h.flush}
}

// WithGroup returns a Handler that puts later attributes in group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), w: h.w, flush: h.flush}
}

// Writer returns the Writer the handler writes to, so that other loggers
// (the standard log package, zap, zerolog) can share the same file.
func (h *Handler) Writer() *Writer { return h.w }

// Close closes the underlying Writer, for this handler and every handler
// derived from it.
func (h *Handler) Close() error { return h.w.Close() }
