package slogrotate

import (
	"bytes"
	"encoding/json"
	"io"
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
	dir := tempDir(t)
	path := filepath.Join(dir, "app.log")
	h, err := New(path)
	require.NoError(t, err)
	defer h.Close()
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
	dir := tempDir(t)
	path := filepath.Join(dir, "app.log")
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	h, err := New(path, WithFormat(Text), WithLevel(level), WithAddSource(),
		WithReplaceAttr(func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "secret" {
				a.Value = slog.StringValue("***")
			}
			return a
		}))
	require.NoError(t, err)
	log := slog.New(h).With("svc", "api")
	log.Info("dropped")
	log.Warn("kept", "secret", "hunter2")
	level.Set(slog.LevelDebug)
	log.Debug("now visible")
	require.NoError(t, h.Close())
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

func TestWithHandler(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "app.log")
	h, err := New(path, WithHandler(func(w io.Writer) slog.Handler {
		return slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})
	}))
	require.NoError(t, err)
	slog.New(h).Info("hi", "k", 1)
	require.NoError(t, h.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "level=INFO msg=hi k=1\n", string(data))

	_, err = New(path, WithHandler(func(io.Writer) slog.Handler { return nil }))
	assert.ErrorContains(t, err, "nil handler")
}

// Messages with newlines, invalid UTF-8 and control characters stay within
// one line in both formats, so one record is always one line.
func TestHostileMessagesStayOnOneLine(t *testing.T) {
	for _, format := range []Format{JSON, Text} {
		dir := tempDir(t)
		path := filepath.Join(dir, "app.log")
		h, err := New(path, WithFormat(format))
		require.NoError(t, err)
		msg := "line1\nline2\r\x00\x1b[31m\xff\xfe end"
		slog.New(h).Error(msg, "k\nx", "v\n\xff")
		require.NoError(t, h.Close())
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, 1, bytes.Count(data, []byte("\n")), "format %d: %q", format, data)
	}
}

// The Writer is reachable so other loggers can share the file.
func TestHandlerWriterIsShared(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "app.log")
	h, err := New(path)
	require.NoError(t, err)
	_, err = io.WriteString(h.Writer(), "from another logger\n")
	require.NoError(t, err)
	require.NoError(t, h.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "from another logger\n", string(data))
}
