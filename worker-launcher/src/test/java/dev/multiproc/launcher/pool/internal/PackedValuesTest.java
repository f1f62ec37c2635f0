package dev.multiproc.launcher.pool.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PackedValuesTest {
    @Test
    void valuesComeBackInOrderWithEmptyOnesKept() {
        PackedValues.Writer w = new PackedValues.Writer(0);
        byte[][] values = {{1}, {}, {2, 3, 4}, new byte[300]};
        for (byte[] v : values) {
            w.add(v);
        }
        byte[] packed = w.toByteArray();
        assertThat(w.count()).isEqualTo(4);
        assertThat(packed).hasSize(4 * PackedValues.LENGTH_BYTES + 1 + 3 + 300);
        int[] index = PackedValues.index(packed);
        assertThat(index).hasSize(8);
        for (int i = 0; i < values.length; i++) {
            assertThat(index[2 * i + 1]).isEqualTo(values[i].length);
            byte[] copy = java.util.Arrays.copyOfRange(packed, index[2 * i], index[2 * i] + index[2 * i + 1]);
            assertThat(copy).isEqualTo(values[i]);
        }
        assertThat(PackedValues.index(new byte[0])).isEmpty();
    }

    @Test
    void truncatedBytesAreRejectedWithPositions() {
        PackedValues.Writer w = new PackedValues.Writer(0);
        w.add(new byte[10]);
        byte[] packed = w.toByteArray();
        assertThatThrownBy(() -> PackedValues.index(java.util.Arrays.copyOf(packed, 9)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10 bytes").hasMessageContaining("9");
        assertThatThrownBy(() -> PackedValues.index(new byte[]{1, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cut short");
    }

    @Test
    void functionCachesOfPoolAndWorkerStayInStep() {
        FunctionLru<Boolean> pool = new FunctionLru<>();
        FunctionLru<String> worker = new FunctionLru<>();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 10_000; i++) {
            long id = 1 + random.nextInt(3 * FunctionLru.CAPACITY);
            boolean send = pool.get(id) == null;
            if (send) {
                pool.put(id, Boolean.TRUE);
                worker.put(id, "fn" + id);
            } else {
                assertThat(worker.get(id)).as("worker holds function %d", id).isEqualTo("fn" + id);
            }
        }
        assertThat(pool.keySet()).containsExactlyElementsOf(worker.keySet());
    }
}
