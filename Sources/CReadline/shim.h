#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

/* readline configures itself through global variables, which Swift 6 will not touch
   directly (shared mutable state); these helpers set and read them for the shell. */

static inline void tessera_rl_configure(const char *name, const char *word_breaks,
                                        rl_completion_func_t *complete, rl_hook_func_t *startup,
                                        rl_getc_func_t *getc) {
    rl_readline_name = name;
    rl_catch_signals = 0;     /* SIGINT belongs to the shell */
    rl_catch_sigwinch = 1;
    rl_completer_word_break_characters = (char *)word_breaks;
    rl_attempted_completion_function = complete;
    rl_startup_hook = startup;
    rl_getc_function = getc;
}

/* No filename completion after the kernel's completions. */
static inline void tessera_rl_completion_over(void) { rl_attempted_completion_over = 1; }

static inline const char *tessera_rl_line_buffer(void) { return rl_line_buffer; }
