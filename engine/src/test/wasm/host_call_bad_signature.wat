;; Imports capsule.host_call with the wrong signature.
(module
  (import "capsule" "host_call" (func $call (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $call (i32.const 0)))))
