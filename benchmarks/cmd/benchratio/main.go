// Command benchratio reads `go test -bench` output (with any -count) on its
// standard input and prints markdown tables of the median of each metric,
// with ratios to the baseline measured in the same run:
//
//   - × bare: a sub-benchmark named .../writer=X/... against the one named
//     .../writer=bare/... or, if there is none, .../writer=bare (for ns/op,
//     and for cpu-ns/op where reported), or, in a benchmark without
//     writer=bare, against .../writer=bufio/...;
//   - × 10 archives: .../archives=10000/... against .../archives=10/...
//
// Usage:
//
//	go test -bench . -benchmem -count 5 | tee bench.txt | go run ./cmd/benchratio
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A bench is one benchmark's results over all counts: metric -> values.
type bench struct {
	name    string
	metrics map[string][]float64
	units   []string // in first-seen order
}

var (
	lineRE  = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+(\d+)\s+(.*)$`)
	procsRE = regexp.MustCompile(`-\d+$`)
)

func main() {
	benches, order, header := parse(os.Stdin)
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: no benchmark lines on standard input")
		os.Exit(1)
	}
	for _, h := range header {
		fmt.Println(h + "  ")
	}
	var top string
	for _, name := range order {
		b := benches[name]
		t, _, _ := strings.Cut(name, "/")
		if t != top {
			top = t
			printHeader(t, benches, order)
		}
		printRow(b, benches)
	}
}

func parse(r io.Reader) (map[string]*bench, []string, []string) {
	benches := map[string]*bench{}
	var order, header []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, k := range []string{"goos:", "goarch:", "cpu:"} {
			if strings.HasPrefix(line, k) && !slices.Contains(header, line) {
				header = append(header, line)
			}
		}
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := procsRE.ReplaceAllString(m[1], "")
		b := benches[name]
		if b == nil {
			b = &bench{name: name, metrics: map[string][]float64{}}
			benches[name] = b
			order = append(order, name)
		}
		f := strings.Fields(m[4])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			unit := f[i+1]
			if _, ok := b.metrics[unit]; !ok {
				b.units = append(b.units, unit)
			}
			b.metrics[unit] = append(b.metrics[unit], v)
		}
	}
	return benches, order, header
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// baseline returns the name of the benchmark b is compared with, by
// replacing key=val with key=base, if there is one.
func baseline(name, key, base string, benches map[string]*bench) *bench {
	re := regexp.MustCompile(`(^|/)` + regexp.QuoteMeta(key) + `=[^/]+`)
	if !re.MatchString(name) {
		return nil
	}
	other := re.ReplaceAllString(name, "${1}"+key+"="+base)
	if other == name {
		return nil
	}
	if b := benches[other]; b != nil {
		return b
	}
	// A baseline without the parameters that follow it (BenchmarkOpen's
	// writer=bare has no layout).
	kv := key + "=" + base
	return benches[other[:strings.Index(other, kv)+len(kv)]]
}

var extraUnits = []string{"MB/s", "rotate-ns/op", "cpu-ns/op", "max-ns", "p99.9-ns", "ratio-p50", "times-bare-p50"}

func units(top string, benches map[string]*bench, order []string) []string {
	var us []string
	for _, name := range order {
		if !strings.HasPrefix(name, top+"/") && name != top {
			continue
		}
		for _, u := range benches[name].units {
			if !slices.Contains(us, u) {
				us = append(us, u)
			}
		}
	}
	return us
}

var cols []string

func printHeader(top string, benches map[string]*bench, order []string) {
	us := units(top, benches, order)
	cols = []string{"ns/op"}
	base := "bare"
	if !slices.Contains(order, top+"/writer=bare") && slices.Contains(order, top+"/writer=bufio") {
		base = "bufio"
	}
	hdr := "| benchmark | n | ns/op (median [min–max]) | × " + base + " |"
	if slices.ContainsFunc(order, func(n string) bool { return strings.HasPrefix(n, top+"/") && strings.Contains(n, "archives=") }) {
		hdr += " × 10 archives |"
		cols = append(cols, "archives")
	}
	for _, u := range extraUnits {
		if slices.Contains(us, u) {
			hdr += " " + u + " |"
			cols = append(cols, u)
			if u == "cpu-ns/op" || u == "rotate-ns/op" {
				hdr += " × bare | × 10 archives |"
				cols = append(cols, "ratios:"+u)
			}
		}
	}
	for _, u := range []string{"B/op", "allocs/op"} {
		if slices.Contains(us, u) {
			hdr += " " + u + " |"
			cols = append(cols, u)
		}
	}
	fmt.Printf("\n### %s\n\n%s\n|%s\n", top, hdr, strings.Repeat("---|", strings.Count(hdr, "|")-1))
}

func ratio(b, base *bench, unit string) string {
	if base == nil || len(base.metrics[unit]) == 0 || len(b.metrics[unit]) == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", median(b.metrics[unit])/median(base.metrics[unit]))
}

func num(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// writerBaseline is the writer name is compared with: writer=bare, or
// writer=bufio where there is no bare one.
func writerBaseline(name string, benches map[string]*bench) *bench {
	if base := baseline(name, "writer", "bare", benches); base != nil {
		return base
	}
	return baseline(name, "writer", "bufio", benches)
}

func printRow(b *bench, benches map[string]*bench) {
	ns := b.metrics["ns/op"]
	row := fmt.Sprintf("| %s | %d | %s [%s–%s] | %s |", strings.TrimPrefix(b.name[strings.Index(b.name, "/")+1:], ""),
		len(ns), num(median(ns)), num(slices.Min(ns)), num(slices.Max(ns)), ratio(b, writerBaseline(b.name, benches), "ns/op"))
	for _, c := range cols[1:] {
		switch c {
		case "archives":
			row += " " + ratio(b, baseline(b.name, "archives", "10", benches), "ns/op") + " |"
		case "ratios:cpu-ns/op", "ratios:rotate-ns/op":
			u := strings.TrimPrefix(c, "ratios:")
			row += " " + ratio(b, baseline(b.name, "writer", "bare", benches), u) + " | " +
				ratio(b, baseline(b.name, "archives", "10", benches), u) + " |"
		default:
			if v, ok := b.metrics[c]; ok {
				row += " " + num(median(v)) + " |"
			} else {
				row += "  |"
			}
		}
	}
	fmt.Println(row)
}
