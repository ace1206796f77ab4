package slogrotate

import (
	"context"
	"errors"
	"log/slog"
)

// handler.go holds the slog.Handler over a Writer.

// Handler is a [slog.Handler] that writes to a rotating [Writer]. It adds
// one thing to the handler it wraps: over a buffered Writer (see
// [WithBuffer]) it writes the buffer out right after each record at or
// above the flush level ([WithFlushLevel]), so that an error is in the file
// before the process can crash. Handlers derived from it with WithAttrs and
// WithGroup share its Writer.
//
// A Handler does not own its Writer: whoever opened the Writer closes it,
// after the last record.
type Handler struct {
	inner slog.Handler
	w     *Writer
}

var _ slog.Handler = (*Handler)(nil)

// NewJSONHandler returns a Handler that writes each record to w as one
// line of JSON, as [slog.NewJSONHandler] does. opts may be nil; a nil w
// makes every record an error, as for [NewHandler].
func NewJSONHandler(w *Writer, opts *slog.HandlerOptions) *Handler {
	if w == nil {
		return NewHandler(nil, nil)
	}
	return &Handler{inner: slog.NewJSONHandler(w, opts), w: w}
}

// NewTextHandler returns a Handler that writes each record to w as one
// line of key=value pairs, as [slog.NewTextHandler] does. opts may be nil;
// a nil w makes every record an error, as for [NewHandler].
func NewTextHandler(w *Writer, opts *slog.HandlerOptions) *Handler {
	if w == nil {
		return NewHandler(nil, nil)
	}
	return &Handler{inner: slog.NewTextHandler(w, opts), w: w}
}

// NewHandler returns a Handler that encodes records with h, which must
// write to w and must write each record with a single Write call, as the
// standard library's handlers do: the Writer treats each Write as one
// record, never split across files or interleaved with another process's.
// A nil h or w is reported, at each record, as an error that says so.
func NewHandler(w *Writer, h slog.Handler) *Handler {
	if w == nil || h == nil {
		h = invalidHandler{w}
	}
	return &Handler{inner: h, w: w}
}

// invalidHandler stands for the nil argument of a NewHandler: every record
// is an error, passed to the Writer's error handler if there is a Writer.
type invalidHandler struct{ w *Writer }

var errNilHandler = errors.New("slogrotate: NewHandler was given a nil Writer or slog.Handler; the record is lost")

func (h invalidHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h invalidHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h invalidHandler) WithGroup(string) slog.Handler            { return h }
func (h invalidHandler) Handle(context.Context, slog.Record) error {
	if h.w != nil {
		h.w.cfg.onError(errNilHandler)
	}
	return errNilHandler
}

// Enabled reports whether the handler writes records at level l.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle writes r as one record. The Writer passes a write error to its
// error handler as well (see [WithErrorHandler]), since [slog.Logger]
// discards the error a handler returns.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	err := h.inner.Handle(ctx, r)
	if h.w != nil && h.w.bufSize > 0 && r.Level >= h.w.cfg.flushLevel.Level() {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// WithAttrs returns a Handler that adds attrs to every record.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{inner: h.inner.WithAttrs(attrs), w: h.w}
}

// WithGroup returns a Handler that puts later attributes in group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), w: h.w}
}
