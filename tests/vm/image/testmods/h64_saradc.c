// SPDX-License-Identifier: GPL-2.0
/*
 * h64_saradc: an IIO ADC shaped like the RK3399 SARADC, for the test VM.
 *
 * Registers an IIO device named "ff100000.saradc" (the name the
 * rockchip_saradc driver gives it) with six voltage channels,
 * in_voltageN_raw, and the shared in_voltage_scale of a 10-bit ADC at
 * 1.8 V (1800/1024 mV per LSB). The raw codes come from the module
 * parameter "raw" (six comma-separated values, writable at
 * /sys/module/h64_saradc/parameters/raw), so a test sets the battery on
 * channel 2 and the DC input on channel 4 as it needs. Defaults: a charged
 * pack (600: 1054.7 mV at the pin, 8.06 V) and a 12 V adapter (745).
 *
 * Part of helios64's test bed (tests/vm); not for real hardware.
 */
#include <linux/iio/iio.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>

static int raw[6] = { 0, 1023, 600, 0, 745, 0 };
module_param_array(raw, int, NULL, 0644);
MODULE_PARM_DESC(raw, "the six channels' ADC codes, 0..1023");

#define H64_CHANNEL(n) {						\
	.type = IIO_VOLTAGE,						\
	.indexed = 1,							\
	.channel = (n),							\
	.info_mask_separate = BIT(IIO_CHAN_INFO_RAW),			\
	.info_mask_shared_by_type = BIT(IIO_CHAN_INFO_SCALE),		\
}

static const struct iio_chan_spec h64_saradc_channels[] = {
	H64_CHANNEL(0), H64_CHANNEL(1), H64_CHANNEL(2),
	H64_CHANNEL(3), H64_CHANNEL(4), H64_CHANNEL(5),
};

static int h64_saradc_read_raw(struct iio_dev *indio_dev, struct iio_chan_spec const *chan,
			       int *val, int *val2, long mask)
{
	switch (mask) {
	case IIO_CHAN_INFO_RAW:
		if (chan->channel < 0 || chan->channel >= (int)ARRAY_SIZE(raw))
			return -EINVAL;
		*val = clamp(READ_ONCE(raw[chan->channel]), 0, 1023);
		return IIO_VAL_INT;
	case IIO_CHAN_INFO_SCALE:
		*val = 1800;
		*val2 = 10;
		return IIO_VAL_FRACTIONAL_LOG2;
	}
	return -EINVAL;
}

static const struct iio_info h64_saradc_info = {
	.read_raw = h64_saradc_read_raw,
};

static int h64_saradc_probe(struct platform_device *pdev)
{
	struct iio_dev *indio_dev = devm_iio_device_alloc(&pdev->dev, 0);

	if (!indio_dev)
		return -ENOMEM;
	indio_dev->name = "ff100000.saradc";
	indio_dev->info = &h64_saradc_info;
	indio_dev->modes = INDIO_DIRECT_MODE;
	indio_dev->channels = h64_saradc_channels;
	indio_dev->num_channels = ARRAY_SIZE(h64_saradc_channels);
	return devm_iio_device_register(&pdev->dev, indio_dev);
}

static struct platform_driver h64_saradc_driver = {
	.probe = h64_saradc_probe,
	.driver = { .name = "h64-saradc" },
};

static struct platform_device *h64_saradc_pdev;

static int __init h64_saradc_init(void)
{
	int err = platform_driver_register(&h64_saradc_driver);

	if (err)
		return err;
	h64_saradc_pdev = platform_device_register_simple("h64-saradc", PLATFORM_DEVID_NONE,
							  NULL, 0);
	if (IS_ERR(h64_saradc_pdev)) {
		platform_driver_unregister(&h64_saradc_driver);
		return PTR_ERR(h64_saradc_pdev);
	}
	return 0;
}

static void __exit h64_saradc_exit(void)
{
	platform_device_unregister(h64_saradc_pdev);
	platform_driver_unregister(&h64_saradc_driver);
}

module_init(h64_saradc_init);
module_exit(h64_saradc_exit);
MODULE_DESCRIPTION("helios64 test bed: an RK3399 SARADC shaped IIO device");
MODULE_LICENSE("GPL");
