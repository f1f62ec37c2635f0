/**
 * The samples, written as an application module uses the library: it requires the API alone;
 * the transports, shared memory and the launcher are found as services on the module path.
 */
module dev.multiproc.samples {
    requires dev.multiproc.api;
}
