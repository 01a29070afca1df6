/*
 * The two marker functions of the instruction-trace probe
 * (target/plugin/stoic_trace.c): a window of the trace opens when the
 * first instruction of stoic_probe_begin executes and closes when that of
 * stoic_probe_end does. They are never inlined and differ in their bodies,
 * so each keeps its own address (nm finds them).
 */
#ifndef STOIC_PROBE_H
#define STOIC_PROBE_H

void stoic_probe_begin(void);
void stoic_probe_end(void);

#endif /* STOIC_PROBE_H */
