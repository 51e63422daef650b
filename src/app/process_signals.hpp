#pragma once
// SIGINT/SIGTERM are blocked in every thread (call block_stop_signals() before starting any) and taken
// synchronously by the main thread with wait_for_stop_signal(): no async-signal-safety puzzles.
namespace coupon::app {

void block_stop_signals();
int wait_for_stop_signal();  // returns the signal number
// Raises the open-file soft limit to the hard limit: a flash sale holds thousands of connections.
void raise_open_file_limit();

}  // namespace coupon::app
