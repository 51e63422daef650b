# gnuplot -e "results='DIR'" plots.gp: the PNGs of one scripts/bench run (data written by figures.py).
#   DIR/<scenario>/timeline.png   answers/s, accepted/s, decided/s and issued count over time
#   DIR/latency.png               p50 / p99 / p99.9 of every scenario next to nginx's, log scale
set terminal pngcairo size 1000,560 font "DejaVu Sans,10"
set grid
set key top right

dats = system("ls " . results . "/*/plot.dat 2>/dev/null")
do for [dat in dats] {
  dir = dat[1:strlen(dat) - 9]
  name = system("basename " . dir)
  set output dir . "/timeline.png"
  set title name . ": throughput and issued coupons over time (sampled every 0.5 s)"
  set xlabel "seconds since the measured load started"
  set ylabel "per second"
  set y2label "coupons issued (cumulative)"
  set ytics nomirror
  set y2tics
  set yrange [0:*]
  set y2range [0:*]
  plot dat using 1:2 with lines lw 2 title "HTTP answers/s", \
       dat using 1:4 with lines lw 1 title "accepted by the broker/s", \
       dat using 1:5 with lines lw 1 title "consumed (decided)/s", \
       dat using 1:3 axes x1y2 with lines lw 2 dt 2 title "issued (right axis)"
  unset y2tics
  unset y2label
  set ytics mirror
}

if (latency == 0) exit
set output results . "/latency.png"
set title "Latency percentiles per scenario: coupon-server (solid) and nginx return 204 with the same wrk settings (light)"
set xlabel ""
set ylabel "ms (log scale)"
set logscale y
set yrange [*:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set xtics rotate by -20 scale 0
set key top left
plot results . "/latency.dat" using 3:xtic(2) title "p50", \
     "" using 4 title "p99", \
     "" using 5 title "p99.9", \
     "" using 6 title "nginx p50" fs transparent solid 0.35, \
     "" using 7 title "nginx p99" fs transparent solid 0.35, \
     "" using 8 title "nginx p99.9" fs transparent solid 0.35
