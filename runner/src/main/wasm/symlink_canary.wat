;; The runner's start-up canary (see SymlinkCanary.java). Run with one preopened directory at fd 3 that allows
;; symlinks, inside a temp dir whose parent holds "outside.txt". It attempts the known escape of wasmtime 7's
;; path resolver when openat2 is unavailable: create a/evil -> ../.. and open a/evil/outside.txt, directly and
;; through the directory a/evil/ (trailing slash). Exit codes:
;;   0  both attempts refused (confinement holds)
;;   10 setup failed: could not create a/ or the symlink
;;   11 opening a/evil/outside.txt succeeded (escape)
;;   12 opening a/evil/ and then outside.txt succeeded (escape)
(module
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "a")                    ;; len 1
  (data (i32.const 16) "../..")               ;; len 5
  (data (i32.const 32) "a/evil")              ;; len 6
  (data (i32.const 48) "a/evil/outside.txt")  ;; len 18
  (data (i32.const 80) "a/evil/")             ;; len 7
  (data (i32.const 96) "outside.txt")         ;; len 11
  ;; 200: the fd path_open returns

  ;; Opens path relative to dir with the given oflags; 1 when the open succeeded.
  (func $opened (param $dir i32) (param $path i32) (param $len i32) (param $oflags i32) (result i32)
    (if (i32.ne
          (call $open (local.get $dir) (i32.const 1) (local.get $path) (local.get $len) (local.get $oflags)
            (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 200))
          (i32.const 0))
      (then (return (i32.const 0))))
    (i32.const 1))

  (func (export "_start")
    (if (i32.ne (call $mkdir (i32.const 3) (i32.const 0) (i32.const 1)) (i32.const 0))
      (then (call $exit (i32.const 10))))
    (if (i32.ne (call $symlink (i32.const 16) (i32.const 5) (i32.const 3) (i32.const 32) (i32.const 6)) (i32.const 0))
      (then (call $exit (i32.const 10))))
    (if (call $opened (i32.const 3) (i32.const 48) (i32.const 18) (i32.const 0))
      (then (call $exit (i32.const 11))))
    ;; oflags 2 = O_DIRECTORY
    (if (call $opened (i32.const 3) (i32.const 80) (i32.const 7) (i32.const 2))
      (then
        (if (call $opened (i32.load (i32.const 200)) (i32.const 96) (i32.const 11) (i32.const 0))
          (then (call $exit (i32.const 12))))))
    (call $exit (i32.const 0)))
)
