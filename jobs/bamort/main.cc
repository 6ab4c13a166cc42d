// bamort: one command for every job: `bamort <job> [flags...]` runs bamort-<job>.
#include "cli/bamort_command.h"

int main(int argc, char** argv) { return bamort::RunBamortCommand(argc, argv); }
