#include <mpi.h>

// Open MPI spells its handles and constants as macros over globals, which Swift cannot
// import; these return them.
static inline MPI_Comm tessera_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype tessera_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype tessera_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op tessera_mpi_sum(void) { return MPI_SUM; }
static inline void *tessera_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *tessera_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
