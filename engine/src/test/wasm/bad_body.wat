;; Structurally well-framed but fails validation: the function returns nothing yet leaves an i32.
(module
  (memory (export "memory") 1)
  (func (export "_start") i32.const 1))
