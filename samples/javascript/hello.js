import { task } from "capsule";

export const main = task({ name: "main", compute: "LOW", ram: "64MB", timeout: "10s" }, (who = "world") => {
  return { greeting: `Hello, ${who}!` };
});
