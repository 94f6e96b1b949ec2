package run.capsule.engine.programs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.Sizes;

/**
 * A source file with the local modules it imports, journaled as one row of {@code modules} (docs/sql.md): a ZIP
 * archive of the files by their paths relative to the source's directory, entry first, then the modules sorted,
 * stored uncompressed and dated 2000-01-01, so the same files give the same bytes and digest on every machine. A
 * source that imports no local module is journaled as the file itself.
 */
public final class SourceBundle {
    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

    private SourceBundle() {
    }

    /** The bytes to journal for {@code entry} in {@code root} with its local modules {@code files}. */
    public static byte[] pack(Path root, String entry, List<String> files, long maxBytes) {
        List<String> names = new ArrayList<>();
        names.add(entry);
        files.stream().filter(f -> !f.equals(entry)).sorted().forEach(names::add);
        long total = 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            Path base = root.toAbsolutePath().normalize();
            for (String name : names) {
                Path file = base.resolve(name).normalize();
                if (Path.of(name).isAbsolute() || !file.startsWith(base) || file.equals(base)) {
                    throw new InvalidInputException("local module " + name + " is not a path inside " + base);
                }
                if (!name.equals(entry) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw new InvalidInputException("local module " + name + " is not a regular file in " + base + " (symlinks are not followed)");
                }
                byte[] bytes = Files.readAllBytes(file);
                total += bytes.length;
                if (total > maxBytes) {
                    throw new InvalidInputException(entry + " and the local modules it imports are larger than " + Sizes.format(maxBytes));
                }
                ZipEntry zipEntry = new ZipEntry(name.replace('\\', '/'));
                zipEntry.setTimeLocal(FIXED_TIME);
                zipEntry.setMethod(ZipEntry.STORED);
                zipEntry.setSize(bytes.length);
                zipEntry.setCompressedSize(bytes.length);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                zipEntry.setCrc(crc.getValue());
                zip.putNextEntry(zipEntry);
                zip.write(bytes);
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot read the local modules of " + entry + ": " + e.getMessage());
        }
        return out.toByteArray();
    }

    /** Writes a bundle's files under {@code dir}; an entry naming a path outside it is refused. */
    public static void unpack(byte[] bundle, Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bundle))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                Path target = root.resolve(e.getName()).normalize();
                if (!target.startsWith(root) || target.equals(root) || e.isDirectory()) {
                    throw new IOException("source bundle entry " + e.getName() + " is not a file path inside the bundle");
                }
                Files.createDirectories(target.getParent());
                Files.write(target, zip.readAllBytes());
            }
        }
    }
}
