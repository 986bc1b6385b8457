#!/usr/bin/env bash
# Makes a small test song with ffmpeg alone, for the soundtrack examples and `zoetrope beats`:
# a kick drum on every beat, a hi-hat on every off-beat, and a soft chord pad with a bass note that
# moves through C, G, Am, F, one chord per bar of 4 beats. 44.1 kHz mono 16-bit WAV.
#   scripts/make-test-song.sh OUT.wav [SECONDS] [BPM]      (defaults: 60 seconds at 120 BPM)
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 3 ]; then
    echo "usage: $0 OUT.wav [SECONDS] [BPM]" >&2
    exit 2
fi
out=$1 seconds=${2:-60} bpm=${3:-120}
number='^[0-9]+([.][0-9]+)?$'
if ! [[ $seconds =~ $number && $bpm =~ $number ]] || ! awk "BEGIN { exit !($seconds > 0 && $seconds <= 3600 && $bpm >= 30 && $bpm <= 300) }"; then
    echo "make-test-song: SECONDS must be above 0 and at most 3600, BPM from 30 to 300 (got $seconds, $bpm)" >&2
    exit 2
fi
beat=$(awk "BEGIN { printf \"%.9f\", 60 / $bpm }")

# Variables of ffmpeg's expression language: 0 = time since the beat, 1 = time since the off-beat,
# 2 = chord (0-3), 3 = time into the bar, 4 = the chord's root in Hz; random(5) and random(6)
# are the hat's and the kick click's noise.
# The kick: a sine falling from 120 Hz to 50 Hz, plus a short noise click as the beater hits.
kick="0.55*sin(2*PI*(50*ld(0)+2.8*(1-exp(-ld(0)/0.04))))*exp(-ld(0)/0.12)+0.35*(2*random(6)-1)*exp(-ld(0)/0.004)"
hat="0.06*(2*random(5)-1)*exp(-ld(1)/0.012)"
third="if(eq(ld(2),2),1.1892,1.2599)"  # minor third for Am, major otherwise
fade="min(1,ld(3)/0.03)*min(1,(4*$beat-ld(3))/0.03)"
pad="$fade*(0.05*(sin(2*PI*ld(4)*t)+sin(2*PI*ld(4)*$third*t)+sin(2*PI*ld(4)*1.4983*t))+0.12*sin(PI*ld(4)*t))"
expression="st(0,mod(t,$beat));st(1,mod(t+$beat/2,$beat));st(2,mod(floor(t/(4*$beat)),4));st(3,mod(t,4*$beat));"
expression+="st(4,if(eq(ld(2),0),261.63,if(eq(ld(2),1),196.00,if(eq(ld(2),2),220.00,174.61))));"
expression+="$kick+$hat+$pad"
# In a filter graph ',' separates filters and ';' chains: escape both inside the expression.
expression=${expression//,/\\,}
expression=${expression//;/\\;}

ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "aevalsrc=${expression}:s=44100:d=${seconds}" \
    -c:a pcm_s16le "$out"
