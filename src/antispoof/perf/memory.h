// Process memory figures from /proc/self/status and getrusage (Linux).
#pragma once

namespace antispoof::perf {

// Current resident set (VmRSS) and its high-water mark (VmHWM), MB (1e6 bytes); -1 if unreadable.
double CurrentRssMb();
double PeakRssMb();
// getrusage(RUSAGE_SELF).ru_maxrss in MB: the lifetime peak, never reset.
double LifetimePeakRssMb();
// Resets VmHWM to the current RSS (writes 5 to /proc/self/clear_refs, Linux >= 4.0). False when
// the kernel refuses; the peak then stays the lifetime peak.
bool ResetPeakRss();

}  // namespace antispoof::perf
