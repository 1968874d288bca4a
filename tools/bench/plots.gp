# SPDX-License-Identifier: GPL-2.0
#
# plots.gp - one clustered bar chart of hakmem-bench results: workloads on
# the x axis, one bar per allocator.  Driven by plots.sh, which writes the
# data file and passes, with gnuplot -e:
#   datafile  rows "workload v1 lo1 hi1 v2 lo2 hi2 ...", one triple per allocator
#   names     the allocators, space separated, in column order
#   out       the PNG to write          ttl  the title
#   ylab      the y axis label          logy 1 for a logarithmic y axis
#   errors    1 to draw min-max error bars

set terminal pngcairo size 1400,560 font "DejaVu Sans,11" noenhanced
set output out
set title ttl
set ylabel ylab
set grid ytics lc rgb "#d0d0d0"
set key outside right top vertical Left reverse noenhanced
set style fill solid 0.9 border -1
set boxwidth 0.9
set xtics nomirror
set ytics nomirror
if (logy) { set logscale y; set format y "%g" } else { set yrange [0:*] }
if (errors) {
	set style histogram errorbars gap 1 lw 1
} else {
	set style histogram clustered gap 1
}
set style data histograms

# hakmem: hm_malloc in blues, the cache API in greens; the peers apart
array colors[11] = ["#9ecae1", "#4292c6", "#08519c", "#a1d99b", "#41ab5d", "#006d2c", \
		    "#fd8d3c", "#e31a1c", "#8c6bb1", "#a65628", "#969696"]
array knownnames[11] = ["hm-bitmap", "hm-freelist", "hm-hybrid", "cache-bitmap", \
		    "cache-freelist", "cache-hybrid", "glibc", "mimalloc", "jemalloc", \
		    "tcmalloc", "null"]
color(n) = sum [k=1:11] (knownnames[k] eq n ? k : 0)
col(i) = colors[color(word(names, i)) > 0 ? color(word(names, i)) : 11]

n = words(names)
if (errors) {
	plot for [i=1:n] datafile using (column(3*i - 1)):(column(3*i)):(column(3*i + 1)):xtic(1) \
		title word(names, i) lc rgb col(i)
} else {
	plot for [i=1:n] datafile using (column(i + 1)):xtic(1) title word(names, i) lc rgb col(i)
}
