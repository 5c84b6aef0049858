/*
 * replay.h - vigil-replay subcommands.  Each runs the same core/ code as
 * vigild over files, at full speed, and returns a process exit status.
 * argv[0] is the subcommand's name.
 */
#ifndef VIGIL_REPLAY_H
#define VIGIL_REPLAY_H

int replay_loghub(int argc, char **argv);
int replay_nab(int argc, char **argv);
int replay_vmftlad(int argc, char **argv);
int replay_vmft_reference(int argc, char **argv);
int replay_vmft_render(int argc, char **argv);
int replay_migfit(int argc, char **argv);

#endif /* VIGIL_REPLAY_H */
