#pragma once

#include <string>

namespace antispoof {

// Whole file as bytes; Error naming the path when it cannot be read.
std::string ReadFile(const std::string& path);

// Writes to PATH.tmp.<pid> in the same folder, fsyncs, then renames over PATH, so a reader (or a
// crash) sees either the old file or the new one, never a partial file. Error naming the path
// (and leaving any previous file intact) when the disk is full or the folder is not writable.
void WriteFileAtomic(const std::string& path, const std::string& bytes);

// Removes the temporary files WriteFileAtomic left in `dir` when its process was killed
// (NAME.tmp.<pid> of a process that no longer exists); returns how many.
int RemoveStaleTempFiles(const std::string& dir);

// Creates the folder and its parents; Error when that fails.
void MakeDirs(const std::string& path);

bool FileExists(const std::string& path);

}  // namespace antispoof
