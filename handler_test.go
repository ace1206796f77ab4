package slogrotate

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/slogtest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandlerPassesSlogtest(t *testing.T) {
	path := filepath.Join(tempDir(t), "app.log")
	h := NewJSONHandler(openHandlerTest(t, path), nil)
	offset := int64(0)
	slogtest.Run(t, func(*testing.T) slog.Handler { return h }, func(t *testing.T) map[string]any {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		line := data[offset:]
		offset = int64(len(data))
		var m map[string]any
		require.NoError(t, json.Unmarshal(line, &m), "line %q", line)
		return m
	})
}

func TestHandlerOptions(t *testing.T) {
	path := filepath.Join(tempDir(t), "app.log")
	w := openHandlerTest(t, path)
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	h := NewTextHandler(w, &slog.HandlerOptions{Level: level, AddSource: true,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "secret" {
				a.Value = slog.StringValue("***")
			}
			return a
		}})
	log := slog.New(h).With("svc", "api")
	log.Info("dropped")
	log.Warn("kept", "secret", "hunter2")
	level.Set(slog.LevelDebug)
	log.Debug("now visible")
	require.NoError(t, w.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `msg=kept`)
	assert.Contains(t, lines[0], `secret=***`)
	assert.Contains(t, lines[0], `svc=api`)
	assert.Contains(t, lines[0], `source=`)
	assert.Contains(t, lines[1], `msg="now visible"`)
}

func TestNewHandlerWrapsAnyHandler(t *testing.T) {
	path := filepath.Join(tempDir(t), "app.log")
	w := openHandlerTest(t, path)
	h := NewHandler(w, slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	slog.New(h).WithGroup("g").Info("hi", "k", 1)
	require.NoError(t, w.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "level=INFO msg=hi g.k=1\n", string(data))
}

// Messages with newlines, invalid UTF-8 and control characters stay within
// one line in both formats, so one record is always one line.
func TestHostileMessagesStayOnOneLine(t *testing.T) {
	for name, newHandler := range map[string]func(*Writer, *slog.HandlerOptions) *Handler{
		"json": NewJSONHandler, "text": NewTextHandler,
	} {
		path := filepath.Join(tempDir(t), "app.log")
		w := openHandlerTest(t, path)
		msg := "line1\nline2\r\x00\x1b[31m\xff\xfe end"
		slog.New(newHandler(w, nil)).Error(msg, "k\nx", "v\n\xff")
		require.NoError(t, w.Close())
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, 1, bytes.Count(data, []byte("\n")), "%s: %q", name, data)
	}
}

// A nil argument is no panic: each record is an error that says so.
func TestNewHandlerNil(t *testing.T) {
	path := filepath.Join(tempDir(t), "app.log")
	var got []error
	w := openHandlerTest(t, path, WithErrorHandler(func(err error) { got = append(got, err) }))
	h := NewHandler(w, nil)
	require.NotPanics(t, func() { slog.New(h).Info("x") })
	require.Len(t, got, 1)
	assert.ErrorContains(t, got[0], "nil")
	assert.Error(t, NewHandler(nil, nil).Handle(context.Background(), slog.Record{}))
	assert.Error(t, NewJSONHandler(nil, nil).Handle(context.Background(), slog.Record{}))
	assert.Error(t, NewTextHandler(nil, nil).Handle(context.Background(), slog.Record{}))
}
