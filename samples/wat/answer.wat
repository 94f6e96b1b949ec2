;; A hand-written WASI command: writes "42\n" to stdout, so its result is the JSON number 42.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "42\n")
  (func (export "_start")
    ;; one iovec at offset 0: {buf = 16, len = 3}
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
